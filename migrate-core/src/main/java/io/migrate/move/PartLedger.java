package io.migrate.move;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.Upload;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One run's record of a large file's upload, kept with the task on the task root so a later run
 * (after a crash, on another node after a reclaim) can resume the upload: the upload (temporary
 * key, upload id, size, range size, metadata), the source fingerprint it copies, and every range
 * written so far with its CRC32C and the destination's tag (S3 part ETag), and the run that wrote it.
 *
 * <p>Format ({@code docs/task-root.md}, "Part ledgers"), one compact JSON object:
 * {@code {"ledger":1,"run":..,"target":..,"fingerprint":..,"tempKey":..,"uploadId":..,"size":..,"rangeSize":..,
 * "metadata":{..},"ranges":[[offset,length,crc32c,"tag"],..]}}. A ledger is a hint, never proof: the
 * reader checks the destination ({@code TransportSession#resume}) and the source (CRC32C of the
 * range) before it skips a range, and the commit verifies the whole upload as always.
 *
 * <p>Immutable.
 */
record PartLedger(String run, String target, String fingerprint, Upload upload, List<RangeReceipt> ranges) {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final int FORMAT = 1;

    PartLedger {
        ranges = List.copyOf(ranges);
    }

    byte[] encode() {
        ObjectNode o = JSON.createObjectNode();
        o.put("ledger", FORMAT);
        o.put("run", run);
        o.put("target", target);
        o.put("fingerprint", fingerprint);
        o.put("tempKey", upload.tempKey());
        if (upload.uploadId() != null) {
            o.put("uploadId", upload.uploadId());
        }
        o.put("size", upload.size());
        o.put("rangeSize", upload.rangeSize());
        ObjectNode meta = o.putObject("metadata");
        upload.metadata().forEach(meta::put);
        ArrayNode rs = o.putArray("ranges");
        for (RangeReceipt r : ranges) {
            ArrayNode a = rs.addArray().add(r.offset()).add(r.length()).add(r.crc32c());
            if (r.tag() != null) {
                a.add(r.tag());
            }
        }
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * @param bytes what a store returned
     * @return the ledger, or empty if the bytes are not a well-formed ledger of this format (torn,
     *     damaged, from a newer release, written by hand): such a ledger is ignored
     */
    static Optional<PartLedger> decode(byte[] bytes) {
        try {
            JsonNode o = JSON.readTree(bytes);
            if (o == null || !o.isObject() || o.path("ledger").asInt() != FORMAT) {
                return Optional.empty();
            }
            Map<String, String> meta = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = o.path("metadata").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                meta.put(e.getKey(), e.getValue().asText());
            }
            String target = text(o, "target");
            long size = o.path("size").asLong(-1);
            long rangeSize = o.path("rangeSize").asLong(-1);
            if (size < 0 || rangeSize <= 0) {
                return Optional.empty();
            }
            Upload upload = new Upload(target, text(o, "tempKey"), o.hasNonNull("uploadId") ? o.get("uploadId").asText()
                    : null, size, rangeSize, meta);
            List<RangeReceipt> ranges = new ArrayList<>();
            long previous = -1;
            for (JsonNode a : o.path("ranges")) {
                long offset = a.path(0).asLong(-1);
                long length = a.path(1).asLong(-1);
                if (offset <= previous || offset % rangeSize != 0 || length <= 0 || offset + length > size
                        || !a.path(2).canConvertToInt()) {
                    return Optional.empty();
                }
                previous = offset;
                ranges.add(new RangeReceipt(offset, length, a.path(2).asInt(), a.has(3) ? a.get(3).asText() : null));
            }
            return Optional.of(new PartLedger(text(o, "run"), target, text(o, "fingerprint"), upload, ranges));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String text(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || !n.isTextual()) {
            throw new IllegalArgumentException("no " + field);
        }
        return n.asText();
    }

    /** @return the bytes the recorded ranges cover */
    long bytes() {
        return ranges.stream().mapToLong(RangeReceipt::length).sum();
    }
}

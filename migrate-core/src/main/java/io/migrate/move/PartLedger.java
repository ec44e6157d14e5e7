package io.migrate.move;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.migrate.task.TaskStore;
import io.migrate.transport.RangeReceipt;
import io.migrate.transport.Upload;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One run's record of a large file's upload, kept with the task on the task root so a later run
 * (after a crash, on another node after a reclaim) can resume the upload: the upload (temporary
 * key, upload id, size, range size, metadata), the source fingerprint it copies, the run that wrote
 * it, and every range written so far with its CRC32C and the destination's tag (S3 part ETag).
 *
 * <p>Format ({@code docs/task-root.md}, "Part ledgers"): a journal of compact JSON records, one a
 * line ({@link TaskStore#startLedger}, {@link TaskStore#appendLedger}). The header
 * {@code {"ledger":2,"run":..,"target":..,"fingerprint":..,"tempKey":..,"uploadId":..,"size":..,"rangeSize":..,
 * "metadata":{..}}}, then one {@code [offset,length,crc32c,"tag"]} per range as it finishes, in
 * finishing order: recording a range costs the same few dozen bytes whether it is the first or
 * the 10,000th. A ledger is a hint, never proof: the reader checks the destination
 * ({@code TransportSession#resume}) and the source (CRC32C of the range) before it skips a range,
 * and the commit verifies the whole upload as always.
 *
 * <p>Immutable.
 */
record PartLedger(String run, String target, String fingerprint, Upload upload, List<RangeReceipt> ranges) {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** 2: a journal of lines; 1 (one whole JSON object, rewritten) is no longer read. */
    static final int FORMAT = 2;

    PartLedger {
        ranges = List.copyOf(ranges);
    }

    /** @return the header record of a journal of {@code upload} (no ranges: they are appended) */
    static byte[] header(String run, String target, String fingerprint, Upload upload) {
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
        return bytes(o);
    }

    /** @return the record of one finished range */
    static byte[] record(RangeReceipt r) {
        ArrayNode a = JSON.createArrayNode().add(r.offset()).add(r.length()).add(r.crc32c());
        if (r.tag() != null) {
            a.add(r.tag());
        }
        return bytes(a);
    }

    private static byte[] bytes(JsonNode n) {
        try {
            return JSON.writeValueAsBytes(n); // compact: a line feed in a value is escaped, never raw
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * @param journal what a store returned (each record already complete: a torn last one was dropped)
     * @return the ledger, or empty if its header is not a well-formed header of this format
     *     (damaged, from another release, written by hand): such a ledger is ignored. Records are
     *     read up to the first that is not a well-formed range of the header's upload; a range
     *     recorded twice counts once (the later record).
     */
    static Optional<PartLedger> decode(TaskStore.Ledger journal) {
        try {
            JsonNode o = JSON.readTree(journal.header());
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
            TreeMap<Long, RangeReceipt> ranges = new TreeMap<>();
            for (byte[] record : journal.records()) {
                Optional<RangeReceipt> r = range(record, size, rangeSize);
                if (r.isEmpty()) {
                    break;
                }
                ranges.put(r.get().offset(), r.get());
            }
            return Optional.of(new PartLedger(journal.runId(), target, text(o, "fingerprint"), upload,
                    new ArrayList<>(ranges.values())));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<RangeReceipt> range(byte[] record, long size, long rangeSize) {
        try {
            JsonNode a = JSON.readTree(record);
            if (a == null || !a.isArray()) {
                return Optional.empty();
            }
            long offset = a.path(0).asLong(-1);
            long length = a.path(1).asLong(-1);
            if (offset < 0 || offset % rangeSize != 0 || length <= 0 || length > rangeSize || offset + length > size
                    || !a.path(2).canConvertToInt()) {
                return Optional.empty();
            }
            return Optional.of(new RangeReceipt(offset, length, a.path(2).asInt(),
                    a.hasNonNull(3) ? a.get(3).asText() : null));
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

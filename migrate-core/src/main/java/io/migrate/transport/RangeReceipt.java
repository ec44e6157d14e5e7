package io.migrate.transport;

/**
 * The destination's acknowledgement of one written range.
 *
 * @param offset the range's offset
 * @param length its length
 * @param crc32c its CRC32C as computed by the mover
 * @param tag the destination's tag for the range (S3 part ETag), or null
 */
public record RangeReceipt(long offset, long length, int crc32c, String tag) {
}

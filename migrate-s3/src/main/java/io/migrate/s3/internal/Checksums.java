package io.migrate.s3.internal;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.zip.CRC32C;

/** Checksum encodings S3 uses in headers. Stateless. */
public final class Checksums {
    private Checksums() {
    }

    /**
     * @param crc32c a CRC32C value
     * @return its big-endian 4 bytes in Base64, as {@code x-amz-checksum-crc32c} carries it
     */
    public static String crc32cBase64(int crc32c) {
        byte[] b = {(byte) (crc32c >>> 24), (byte) (crc32c >>> 16), (byte) (crc32c >>> 8), (byte) crc32c};
        return Base64.getEncoder().encodeToString(b);
    }

    /**
     * @param data bytes from position to limit; the buffer's position is not changed
     * @return their CRC32C
     */
    public static int crc32c(ByteBuffer data) {
        CRC32C c = new CRC32C();
        c.update(data.duplicate());
        return (int) c.getValue();
    }

    /**
     * Checks that the bytes about to leave are the ones whose CRC32C the mover computed when it
     * read them. Needed before a checksum computed here from the bytes themselves (Content-MD5, the
     * signed payload's SHA-256): such a checksum only proves the bytes that leave, so without the
     * check a buffer changed after the mover read it would be stored and "verified". CRC32C is
     * computed in hardware (about 0.06 s per GiB).
     *
     * @param data bytes from position to limit; the buffer's position is not changed
     * @param crc32c the CRC32C the mover computed of them
     * @param what the range, for the message
     * @throws io.migrate.transport.TransportException {@code CHECKSUM_MISMATCH}, RETRY, if the
     *     bytes do not have that CRC32C
     */
    public static void requireCrc32c(ByteBuffer data, int crc32c, String what) {
        int actual = crc32c(data);
        if (actual != crc32c) {
            throw new io.migrate.transport.TransportException(io.migrate.transport.Disposition.RETRY,
                    io.migrate.error.ErrorCode.CHECKSUM_MISMATCH, what + ": the bytes to send have CRC32C "
                            + Integer.toHexString(actual) + ", the mover read " + Integer.toHexString(crc32c), null);
        }
    }

    /**
     * The {@code Content-MD5} of a range whose CRC32C the mover computed when it read it, after
     * {@link #requireCrc32c} (the MD5 dominates the cost).
     *
     * @param data bytes from position to limit; the buffer's position is not changed
     * @param crc32c the CRC32C the mover computed of them
     * @param what the range, for the message
     * @return their MD5 in Base64
     * @throws io.migrate.transport.TransportException {@code CHECKSUM_MISMATCH}, RETRY, if the
     *     bytes do not have that CRC32C
     */
    public static String md5Base64(ByteBuffer data, int crc32c, String what) {
        requireCrc32c(data, crc32c, what);
        return md5Base64(data);
    }

    /**
     * @param data bytes from position to limit; the buffer's position is not changed
     * @return their MD5 in Base64, as {@code Content-MD5} carries it
     */
    public static String md5Base64(ByteBuffer data) {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            md.update(data.duplicate());
            return Base64.getEncoder().encodeToString(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required of every JRE", e);
        }
    }

    /**
     * @param base64 a CRC32C as S3 sends it (4 bytes big-endian, Base64)
     * @return the CRC32C
     * @throws IllegalArgumentException if it is not 4 bytes of Base64
     */
    public static int crc32cOfBase64(String base64) {
        byte[] b = java.util.Base64.getDecoder().decode(base64);
        if (b.length != 4) {
            throw new IllegalArgumentException("not a CRC32C: " + base64);
        }
        return java.nio.ByteBuffer.wrap(b).getInt();
    }
}

package io.migrate.move.internal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * CRC32C helpers: the checksum of a buffer and the combination of two checksums of adjacent
 * blocks without the data (zlib's {@code crc32_combine}, GF(2) matrix method, with the
 * Castagnoli polynomial). The mover checksums each range as it passes and combines the range
 * checksums into the whole-file checksum, so a file is never read twice.
 *
 * <p>Stateless and thread-safe.
 */
public final class Crc32c {
    /** The reflected Castagnoli polynomial. */
    private static final int POLY = 0x82F63B78;

    private Crc32c() {
    }

    /**
     * @param data the bytes from position to limit; the position is left unchanged
     * @return their CRC32C
     */
    public static int of(ByteBuffer data) {
        CRC32C crc = new CRC32C();
        crc.update(data.duplicate());
        return (int) crc.getValue();
    }

    /**
     * The CRC32C of the concatenation A·B from the CRC32Cs of A and B.
     *
     * @param crcA checksum of the first block
     * @param crcB checksum of the second block
     * @param lengthB length of the second block in bytes, {@code >= 0}
     * @return checksum of both blocks
     */
    public static int combine(int crcA, int crcB, long lengthB) {
        if (lengthB <= 0) {
            return crcA;
        }
        int[] even = new int[32]; // operator for an even power of two zero bits
        int[] odd = new int[32]; // operator for an odd power of two zero bits

        // the operator for one zero bit
        odd[0] = POLY;
        int row = 1;
        for (int n = 1; n < 32; n++) {
            odd[n] = row;
            row <<= 1;
        }
        square(even, odd); // two zero bits
        square(odd, even); // four zero bits

        // apply lengthB zero bytes to crcA; the first square below gives one zero byte
        long len = lengthB;
        int crc = crcA;
        do {
            square(even, odd);
            if ((len & 1) != 0) {
                crc = times(even, crc);
            }
            len >>>= 1;
            if (len == 0) {
                break;
            }
            square(odd, even);
            if ((len & 1) != 0) {
                crc = times(odd, crc);
            }
            len >>>= 1;
        } while (len != 0);
        return crc ^ crcB;
    }

    /**
     * @param crc a whole-file checksum
     * @return it as stored in results and metadata: {@code crc32c:<8 lower-case hex digits>}
     */
    public static String format(int crc) {
        return String.format("crc32c:%08x", crc);
    }

    private static int times(int[] mat, int vec) {
        int sum = 0;
        int i = 0;
        int v = vec;
        while (v != 0) {
            if ((v & 1) != 0) {
                sum ^= mat[i];
            }
            v >>>= 1;
            i++;
        }
        return sum;
    }

    private static void square(int[] square, int[] mat) {
        for (int n = 0; n < 32; n++) {
            square[n] = times(mat, mat[n]);
        }
    }
}

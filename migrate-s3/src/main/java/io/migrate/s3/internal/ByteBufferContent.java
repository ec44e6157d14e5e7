package io.migrate.s3.internal;

import java.io.InputStream;
import java.nio.ByteBuffer;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * A request body read straight from the mover's buffer, without the copy that
 * {@link RequestBody#fromByteBuffer} makes: each (re)try gets a fresh stream over a duplicate
 * of the buffer, and the only copy is the HTTP client's own into its socket buffer.
 */
public final class ByteBufferContent {
    private ByteBufferContent() {
    }

    /**
     * @param data the bytes, from position to limit; must not change until the call returns
     * @return a body of {@code data.remaining()} bytes
     */
    public static RequestBody body(ByteBuffer data) {
        ByteBuffer view = data.asReadOnlyBuffer();
        return RequestBody.fromContentProvider(() -> new BufferStream(view.duplicate()), view.remaining(),
                "application/octet-stream");
    }

    /** Reads a buffer; not thread-safe, one per attempt. */
    static final class BufferStream extends InputStream {
        private final ByteBuffer buf;

        BufferStream(ByteBuffer buf) {
            this.buf = buf;
        }

        @Override
        public int read() {
            return buf.hasRemaining() ? buf.get() & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (!buf.hasRemaining()) {
                return -1;
            }
            int n = Math.min(len, buf.remaining());
            buf.get(b, off, n);
            return n;
        }

        @Override
        public long skip(long n) {
            int k = (int) Math.max(0, Math.min(n, buf.remaining()));
            buf.position(buf.position() + k);
            return k;
        }

        @Override
        public int available() {
            return buf.remaining();
        }

        @Override
        public boolean markSupported() {
            return true;
        }

        @Override
        public synchronized void mark(int limit) {
            buf.mark();
        }

        @Override
        public synchronized void reset() {
            buf.reset();
        }
    }
}

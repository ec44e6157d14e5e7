package io.migrate.transport.posix;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases a {@link MappedByteBuffer}'s mapping at once instead of when the buffer is garbage
 * collected, so the transport's short-lived mappings (one per range checksum) do not pile up as
 * virtual memory between collections. Uses {@code sun.misc.Unsafe.invokeCleaner} from the
 * {@code jdk.unsupported} module, found by reflection the way Lucene's {@code MMapDirectory} does;
 * where that is not available (a JVM without it, a security manager) mappings are released by the
 * garbage collector as usual.
 *
 * <p>Thread-safe. The caller must not touch a buffer after handing it to {@link #unmap}: its
 * memory is gone and an access would crash the JVM.
 */
final class Unmapper {
    private static final Logger log = LoggerFactory.getLogger(Unmapper.class);
    /** {@code (ByteBuffer) -> void}, bound to the Unsafe instance; null if unavailable. */
    private static final MethodHandle CLEANER = lookUpCleaner();

    private Unmapper() {
    }

    /** @return whether {@link #unmap} releases mappings at once */
    static boolean available() {
        return CLEANER != null;
    }

    /**
     * Releases the mapping now if possible; otherwise leaves it to the garbage collector.
     *
     * @param buffer a buffer returned by {@link java.nio.channels.FileChannel#map} (not a slice
     *     or duplicate), not used again by anyone
     */
    static void unmap(MappedByteBuffer buffer) {
        if (CLEANER == null) {
            return;
        }
        try {
            CLEANER.invokeExact((ByteBuffer) buffer);
        } catch (RuntimeException e) {
            // a slice or duplicate: its mapping goes with the garbage collector
            log.debug("mapping not released at once: {}", e.toString());
        } catch (Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("invokeCleaner threw a checked exception", e);
        }
    }

    private static MethodHandle lookUpCleaner() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            MethodHandle invokeCleaner = MethodHandles.lookup().findVirtual(unsafeClass, "invokeCleaner",
                    MethodType.methodType(void.class, ByteBuffer.class));
            Field f = unsafeClass.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return invokeCleaner.bindTo(f.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.debug("sun.misc.Unsafe.invokeCleaner unavailable ({}); mappings are released by the garbage"
                    + " collector", e.toString());
            return null;
        }
    }
}

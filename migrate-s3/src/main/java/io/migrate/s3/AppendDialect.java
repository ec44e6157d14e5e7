package io.migrate.s3;

import io.migrate.internal.Require;
import java.util.Map;
import java.util.Objects;

/**
 * How an append-only store takes "append these bytes at position N" and tells the current
 * length after a mismatch. Either S3 Express One Zone's {@code x-amz-write-offset-bytes} on
 * {@code PutObject}, or a {@link RequestShape} with a response header carrying the next position.
 *
 * <p>Immutable and thread-safe.
 */
public final class AppendDialect {
    /** AWS S3 Express One Zone: {@code PutObject} with {@code writeOffsetBytes}. */
    public static final AppendDialect S3_EXPRESS = new AppendDialect("s3-express", null, null);
    /** Ceph RGW: {@code PUT ?append&position=N}, answers {@code x-rgw-next-append-position}. */
    public static final AppendDialect CEPH_RGW = new AppendDialect("ceph-rgw",
            RequestShape.of("PUT", RequestShape.orderedMap("append", "", "position", "{offset}"), Map.of()),
            "x-rgw-next-append-position");
    /** Alibaba OSS: {@code POST ?append&position=N}, answers {@code x-oss-next-append-position}. */
    public static final AppendDialect ALIBABA_OSS = new AppendDialect("alibaba-oss",
            RequestShape.of("POST", RequestShape.orderedMap("append", "", "position", "{offset}"), Map.of()),
            "x-oss-next-append-position");
    /** Huawei OBS (object buckets): {@code POST ?append&position=N}, {@code x-obs-next-append-position}. */
    public static final AppendDialect HUAWEI_OBS = new AppendDialect("huawei-obs",
            RequestShape.of("POST", RequestShape.orderedMap("append", "", "position", "{offset}"), Map.of()),
            "x-obs-next-append-position");
    /** Tencent COS: {@code POST ?append&position=N}, {@code x-cos-next-append-position}. */
    public static final AppendDialect TENCENT_COS = new AppendDialect("tencent-cos",
            RequestShape.of("POST", RequestShape.orderedMap("append", "", "position", "{offset}"), Map.of()),
            "x-cos-next-append-position");

    private final String name;
    private final RequestShape shape;
    private final String nextPositionHeader;

    private AppendDialect(String name, RequestShape shape, String nextPositionHeader) {
        this.name = name;
        this.shape = shape;
        this.nextPositionHeader = nextPositionHeader;
    }

    /**
     * A custom append request.
     *
     * @param name label for logs
     * @param shape the request (for example {@code POST ?append&offset={offset}})
     * @param nextPositionHeader response header with the object's length after the append (also
     *     on a position-mismatch error), or null to ask with HEAD instead
     * @return the dialect
     * @throws io.migrate.error.ConfigurationException if name or shape is missing
     */
    public static AppendDialect custom(String name, RequestShape shape, String nextPositionHeader) {
        return new AppendDialect(Require.nonBlank("appendDialect.name", name),
                Require.nonNull("appendDialect.shape", shape), nextPositionHeader);
    }

    /** @return whether this is S3 Express's {@code writeOffsetBytes} */
    public boolean isS3Express() {
        return shape == null;
    }

    /** @return the request shape, or null for {@link #S3_EXPRESS} */
    public RequestShape shape() {
        return shape;
    }

    /** @return the next-position response header, or null */
    public String nextPositionHeader() {
        return nextPositionHeader;
    }

    /** @return the label */
    public String name() {
        return name;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AppendDialect d && d.name.equals(name) && Objects.equals(d.shape, shape)
                && Objects.equals(d.nextPositionHeader, nextPositionHeader);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, shape, nextPositionHeader);
    }

    @Override
    public String toString() {
        return name;
    }
}

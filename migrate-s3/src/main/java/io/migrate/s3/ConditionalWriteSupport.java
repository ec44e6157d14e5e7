package io.migrate.s3;

/**
 * What the start probe found out about the store's conditional writes (see
 * {@link ConditionalWrites}); {@link S3Transport#conditionalWriteSupport()}.
 *
 * @param putObject whether PutObject honours {@code If-None-Match: *} and {@code If-Match}: a
 *     failed precondition was refused with 412 and a met one accepted
 * @param completeMultipartUpload the same for CompleteMultipartUpload
 * @param unquotedIfMatch whether {@code If-Match} must name the ETag without its quotes: Ceph RGW 16
 *     compares the header with its stored ETag byte for byte and refuses the quoted form that S3
 *     returns and AWS accepts
 * @param detail what was seen, for the log and the node's status (e.g. which answer a request got)
 */
public record ConditionalWriteSupport(boolean putObject, boolean completeMultipartUpload, boolean unquotedIfMatch,
        String detail) {

    /**
     * @param detail why nothing is known or used
     * @return support for neither request
     */
    public static ConditionalWriteSupport none(String detail) {
        return new ConditionalWriteSupport(false, false, false, detail);
    }

    /** @return whether every commit the transport makes can be fenced by the store */
    public boolean enforcedForAllCommits() {
        return putObject && completeMultipartUpload;
    }

    @Override
    public String toString() {
        return "PutObject " + (putObject ? "enforced" : "not enforced") + ", CompleteMultipartUpload "
                + (completeMultipartUpload ? "enforced" : "not enforced")
                + (unquotedIfMatch ? ", If-Match without quotes" : "") + " (" + detail + ")";
    }
}

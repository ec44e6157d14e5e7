package io.migrate.s3.internal;

import io.migrate.s3.S3TransportConfig;

/**
 * Decisions the transport derives from several settings. {@link S3TransportConfig}'s getters
 * return what was set; what the transport then does lives here, under names that say so.
 */
public final class DerivedSettings {
    private DerivedSettings() {
    }

    /**
     * Files of one range are stored with one PutObject on the final key when
     * {@code directPut} is set, except with {@code readBackVerification}, which must read the
     * object back before it is committed (a whole put has no step between storing and committing).
     *
     * @param c the configuration
     * @return whether single-range files go straight to their final keys
     */
    public static boolean putsWholeFiles(S3TransportConfig c) {
        return c.directPut() && !c.readBackVerification();
    }

    /**
     * A MULTIPART upload goes to its final key (commit = its completion) when
     * {@code directMultipartCommit} is set, except with {@code readBackVerification}, which must
     * read the completed object back before it is visible at its final key.
     *
     * @param c the configuration
     * @return whether multipart uploads are created on their final keys
     */
    public static boolean completesOnFinalKey(S3TransportConfig c) {
        return c.writeMode() == io.migrate.s3.S3WriteMode.MULTIPART && c.directMultipartCommit()
                && !c.readBackVerification();
    }
}

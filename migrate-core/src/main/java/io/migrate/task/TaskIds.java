package io.migrate.task;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Task ids: {@code yyyyMMdd'T'HHmmssSSS'Z'-<12 hex>}, for example
 * {@code 20261125T081855123Z-3f9a0c1b2d4e}. The prefix is the time the task becomes eligible
 * for dispatch (its creation time, or the not-before time of a retry), so sorting file names
 * sorts tasks by that time without opening them; the suffix is random.
 */
public final class TaskIds {
    private static final DateTimeFormatter PREFIX =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern FORMAT = Pattern.compile("\\d{8}T\\d{9}Z-[0-9a-f]{12}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private TaskIds() {
    }

    /**
     * @param eligibleAt when the task may be dispatched
     * @return a new unique id
     */
    public static String newId(Instant eligibleAt) {
        byte[] suffix = new byte[6];
        RANDOM.nextBytes(suffix);
        return PREFIX.format(eligibleAt) + "-" + HexFormat.of().formatHex(suffix);
    }

    /**
     * @param id a candidate id
     * @return whether it has the id format
     */
    public static boolean isValid(String id) {
        return id != null && FORMAT.matcher(id).matches();
    }

    /**
     * @param id a valid id
     * @return the time the task becomes eligible
     * @throws IllegalArgumentException if the id is not valid
     */
    public static Instant eligibleAt(String id) {
        if (!isValid(id)) {
            throw new IllegalArgumentException("not a task id: " + id);
        }
        return Instant.from(PREFIX.parse(id.substring(0, 19)));
    }
}

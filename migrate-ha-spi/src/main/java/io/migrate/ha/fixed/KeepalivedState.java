package io.migrate.ha.fixed;

import java.util.Locale;

/** A VRRP instance state as keepalived's notify script or notify FIFO reports it. */
enum KeepalivedState {
    MASTER, BACKUP, FAULT, STOP,
    /** Nothing readable yet, or keepalived went away (FIFO closed by its writer). */
    UNKNOWN;

    /**
     * Finds the state in one line: a notify script writing {@code $3} ({@code MASTER}), or the
     * notify FIFO's {@code INSTANCE "VI_1" MASTER 100}. The last state word on the line wins.
     */
    static KeepalivedState parseLine(String line) {
        KeepalivedState found = UNKNOWN;
        for (String token : line.trim().split("\\s+")) {
            switch (token.replace("\"", "").toUpperCase(Locale.ROOT)) {
                case "MASTER" -> found = MASTER;
                case "BACKUP" -> found = BACKUP;
                case "FAULT" -> found = FAULT;
                case "STOP" -> found = STOP;
                default -> {
                    // instance name, priority, GROUP/INSTANCE keyword: not a state
                }
            }
        }
        return found;
    }

    /** The last non-blank line of a notify file decides. */
    static KeepalivedState parseFile(String content) {
        String[] lines = content.split("\\R");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (!lines[i].isBlank()) {
                return parseLine(lines[i]);
            }
        }
        return UNKNOWN;
    }
}

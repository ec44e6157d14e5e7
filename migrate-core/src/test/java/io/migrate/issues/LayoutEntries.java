package io.migrate.issues;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a host sees in the task root's state directories (layout 2, {@code docs/task-root.md}),
 * read without the store, so that the issue tests check the files themselves. Never follows links.
 */
final class LayoutEntries {
    private LayoutEntries() {
    }

    /**
     * The entries of a state directory: everything at its top except its hour directories, and
     * everything in those hours except their bucket directories, plus what the buckets hold.
     */
    static List<Path> stateEntries(Path d) throws IOException {
        List<Path> out = new ArrayList<>();
        for (String n : names(d)) {
            Path p = d.resolve(n);
            if (!n.matches("\\d{8}T\\d{2}") || !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                out.add(p);
                continue;
            }
            for (String b : names(p)) {
                Path bp = p.resolve(b);
                if (b.matches("\\d{8}T\\d{5}") && b.startsWith(n) && Files.isDirectory(bp, LinkOption.NOFOLLOW_LINKS)) {
                    for (String f : names(bp)) {
                        out.add(bp.resolve(f));
                    }
                } else {
                    out.add(bp);
                }
            }
        }
        return out;
    }

    /** @return the file names of {@link #stateEntries}, sorted */
    static List<String> stateNames(Path d) throws IOException {
        return stateEntries(d).stream().map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }

    /** @return the sorted names in {@code d}; none if it is not a directory (or is a link) */
    static List<String> names(Path d) throws IOException {
        if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }
}

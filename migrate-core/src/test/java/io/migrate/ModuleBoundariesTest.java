package io.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The boundaries between our modules and between the layers of {@code migrate-core} (issue 17),
 * checked on every reference to an {@code io.migrate} type in the code (import lines, static
 * imports and fully qualified names; comments and string literals are left out) of every main
 * source file of the repository. It is the equivalent of an ArchUnit rule set, without a
 * dependency, standing in for {@code module-info.java} ({@code docs/architecture.md},
 * "Boundaries", says why there is none):
 * <ol>
 *   <li>a module depends only on the modules below it: {@code migrate-ha-spi} on none,
 *       {@code migrate-core} on {@code migrate-ha-spi}, {@code migrate-s3} and {@code migrate-kafka}
 *       on those two, {@code examples} (the demo and the production CLI) and {@code benchmarks} on
 *       any;</li>
 *   <li>an {@code internal} package is used only inside its own module, except the one shared
 *       internal package {@value #SHARED_INTERNAL}, which the library modules ({@link #LIBRARY})
 *       may use and nothing else: {@code examples} and {@code benchmarks} are written like a host
 *       and see only API (what a {@code module-info} would say with {@code exports ... to});</li>
 *   <li>inside {@code migrate-core} no reference points up the layers (see {@link #CORE_LAYERS});
 *       there are no exceptions.</li>
 * </ol>
 */
class ModuleBoundariesTest {
    static final String SHARED_INTERNAL = "io.migrate.internal";

    /** The modules a host depends on; only they may use {@value #SHARED_INTERNAL}. */
    static final Set<String> LIBRARY = Set.of("migrate-ha-spi", "migrate-core", "migrate-s3", "migrate-kafka");

    private static final Map<String, Set<String>> ALLOWED_MODULE_DEPENDENCIES = Map.of(
            "migrate-ha-spi", Set.of(),
            "migrate-core", Set.of("migrate-ha-spi"),
            "migrate-s3", Set.of("migrate-core", "migrate-ha-spi"),
            "migrate-kafka", Set.of("migrate-core", "migrate-ha-spi"),
            "examples", Set.of("migrate-core", "migrate-ha-spi", "migrate-s3", "migrate-kafka"),
            "benchmarks", Set.of("migrate-core", "migrate-ha-spi", "migrate-s3", "migrate-kafka", "examples"));

    /** Layers of migrate-core, lowest first; a package's sub-packages share its layer. */
    static final List<List<String>> CORE_LAYERS = List.of(
            List.of("io.migrate.transport"),
            List.of("io.migrate.transport.posix"),
            List.of("io.migrate.task"),
            List.of("io.migrate.result"),
            List.of("io.migrate.dispatch"),
            List.of("io.migrate.worker"),
            List.of("io.migrate.move"),
            List.of("io.migrate.node.spi"),
            List.of("io.migrate.node"));

    /** A qualified reference: an import's target or a fully qualified name in the code. */
    private static final Pattern REFERENCE = Pattern.compile("\\bio\\.migrate(?:\\.[a-z]\\w*)+\\.[A-Z]\\w*");
    /** Comments, string and character literals: what they mention is no dependency. */
    private static final Pattern NOT_CODE = Pattern.compile(
            "/\\*.*?\\*/|//[^\\n]*|\"(?:\\\\.|[^\"\\\\\\n])*\"|'(?:\\\\.|[^'\\\\])'", Pattern.DOTALL);
    private static final Path REPO = Path.of("..");

    /** package -> module, from where each package's sources are. */
    private static final Map<String, String> MODULE_OF = new HashMap<>();
    /** Every reference: {module, fromPackage, referencedPackage, file}. */
    private static final List<String[]> IMPORTS = new ArrayList<>();

    @BeforeAll
    static void scan() throws IOException {
        for (String module : ALLOWED_MODULE_DEPENDENCIES.keySet()) {
            Path src = REPO.resolve(module).resolve("src/main/java");
            if (!Files.isDirectory(src)) {
                continue;
            }
            List<Path> files;
            try (Stream<Path> s = Files.walk(src)) {
                files = s.filter(p -> p.toString().endsWith(".java")).collect(Collectors.toList());
            }
            for (Path f : files) {
                String pkg = src.relativize(f.getParent()).toString().replace('/', '.');
                MODULE_OF.put(pkg, module);
                Matcher m = REFERENCE.matcher(code(Files.readString(f, StandardCharsets.UTF_8)));
                while (m.find()) {
                    IMPORTS.add(new String[] {module, pkg, packageOf(m.group()), REPO.relativize(f).toString()});
                }
            }
        }
        assertThat(MODULE_OF).as("sources found under " + REPO.toAbsolutePath()).containsKey("io.migrate.task");
    }

    @Test
    void aModuleImportsOnlyTheModulesBelowIt() {
        List<String> violations = new ArrayList<>();
        for (String[] i : IMPORTS) {
            String target = MODULE_OF.get(i[2]);
            if (target != null && !target.equals(i[0]) && !ALLOWED_MODULE_DEPENDENCIES.get(i[0]).contains(target)) {
                violations.add(i[3] + ": " + i[0] + " imports " + i[2] + " of " + target);
            }
        }
        assertThat(violations).as("imports against the module graph").isEmpty();
    }

    @Test
    void noModuleImportsAnotherModulesInternalPackageButTheSharedOne() {
        List<String> violations = new ArrayList<>();
        for (String[] i : IMPORTS) {
            String target = MODULE_OF.get(i[2]);
            boolean internal = i[2].endsWith(".internal") || i[2].contains(".internal.");
            if (!internal || target == null || target.equals(i[0])) {
                continue;
            }
            if (!i[2].equals(SHARED_INTERNAL)) {
                violations.add(i[3] + ": " + i[0] + " imports " + i[2] + " (internal to " + target + ")");
            } else if (!LIBRARY.contains(i[0])) {
                violations.add(i[3] + ": " + i[0] + " imports " + i[2] + " (shared only by " + new TreeSet<>(LIBRARY) + ")");
            }
        }
        assertThat(violations).as("imports of another module's internal package").isEmpty();
    }

    @Test
    void noImportInsideCorePointsUpTheLayers() {
        List<String> violations = new ArrayList<>();
        for (String[] i : IMPORTS) {
            if (!i[0].equals("migrate-core") || !"migrate-core".equals(MODULE_OF.get(i[2]))) {
                continue;
            }
            int from = layer(i[1]);
            int to = layer(i[2]);
            if (from >= 0 && to > from) {
                violations.add(i[3] + ": " + i[1] + " imports " + i[2] + " (layer " + from + " -> " + to + ")");
            }
        }
        assertThat(violations).as("imports up the layers of migrate-core").isEmpty();
    }

    @Test
    void theScanSeesFullyQualifiedNamesButNotCommentsOrStrings() {
        String source = "import io.migrate.task.TaskRef;\n/** {@link io.migrate.worker.Worker} */\n"
                + "class X { Object a = io.migrate.node.MigrationNode.class; // io.migrate.move.MoverConfig\n"
                + "String s = \"io.migrate.dispatch.TaskDispatcher\"; char c = '\"'; io.migrate.ha.spi.Membership m; }";
        List<String> found = new ArrayList<>();
        Matcher m = REFERENCE.matcher(code(source));
        while (m.find()) {
            found.add(packageOf(m.group()));
        }
        assertThat(found).containsExactly("io.migrate.task", "io.migrate.node", "io.migrate.ha.spi");
    }

    /** The source with comments and literals blanked out. */
    private static String code(String source) {
        return NOT_CODE.matcher(source).replaceAll(" ");
    }

    /** The layer of a package (its longest listed prefix), or -1 when unlisted. */
    private static int layer(String pkg) {
        String top = top(pkg);
        for (int l = 0; l < CORE_LAYERS.size(); l++) {
            if (CORE_LAYERS.get(l).contains(top)) {
                return l;
            }
        }
        return -1;
    }

    /** The listed package a package belongs to (itself or its longest listed ancestor). */
    private static String top(String pkg) {
        String best = pkg;
        int bestLength = -1;
        for (List<String> layer : CORE_LAYERS) {
            for (String p : layer) {
                if ((pkg.equals(p) || pkg.startsWith(p + ".")) && p.length() > bestLength) {
                    best = p;
                    bestLength = p.length();
                }
            }
        }
        return best;
    }

    /** {@code io.migrate.task.TaskRef} and {@code io.migrate.task.TaskRef.Builder} -> {@code io.migrate.task}. */
    private static String packageOf(String imported) {
        String[] parts = imported.split("\\.");
        StringBuilder b = new StringBuilder();
        for (String p : parts) {
            if (!p.isEmpty() && Character.isUpperCase(p.charAt(0))) {
                break;
            }
            b.append(b.length() == 0 ? "" : ".").append(p);
        }
        return b.toString();
    }
}

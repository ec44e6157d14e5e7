package io.migrate.examples;

import picocli.CommandLine;

/**
 * The examples' command line: the production commands of {@link io.migrate.cli.MigrateCli}
 * ({@code node}, {@code submit}, {@code status}) plus {@code demo}, which needs the embedded S3
 * server and test fixtures that the production artifact leaves out. Run
 * {@code java -jar examples/target/migrate-examples.jar --help}.
 */
public final class MigrateCli {
    private MigrateCli() {
    }

    /**
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** @return the production command line with {@code demo} added */
    public static CommandLine commandLine() {
        return io.migrate.cli.MigrateCli.commandLine().addSubcommand(new DemoCommand());
    }
}

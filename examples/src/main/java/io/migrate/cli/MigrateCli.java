package io.migrate.cli;

import io.migrate.error.MigrateException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The production {@code migrate} command line: {@code node}, {@code submit}, {@code status}.
 * Run {@code java -jar migrate-cli/target/migrate-cli.jar --help}. The artifact holds the library
 * modules, their runtime dependencies, picocli and Logback, and nothing of the tests (no
 * test-jar, no embedded S3 server); the demo lives in the {@code examples} module, whose jar
 * adds a {@code demo} command to this one.
 */
@Command(name = "migrate", mixinStandardHelpOptions = true, version = "migrate 0.1.0-SNAPSHOT",
        description = "Moves files from one storage cluster to another across backend nodes.",
        subcommands = {NodeCommand.class, SubmitCommand.class, StatusCommand.class})
public final class MigrateCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** @return the configured picocli command line (tests and the demo call {@code execute} on it) */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new MigrateCli());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            // The code first: scripts match on it, people read the sentence after it.
            cmd.getErr().println("error: " + (e instanceof MigrateException m ? m.code() + ": " : "") + e.getMessage());
            return 2;
        });
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}

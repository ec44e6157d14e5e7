package io.migrate.cli;

import io.migrate.task.DirectoryTaskStore;
import io.migrate.task.FileEntry;
import io.migrate.task.TaskSubmitter;
import io.migrate.error.ErrorCode;
import io.migrate.error.MigrateException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code migrate submit}: turns a file list into durable tasks in {@code pending/}. Each line
 * is {@code source-path} or {@code source-path<TAB>target-key}, the source relative to
 * {@code --source-root}; blank lines and lines starting with {@code #} are skipped. The list is
 * UTF-8 (a byte order mark is allowed); other bytes fail the command with
 * {@code INVALID_ENCODING} and the line number, before anything is submitted.
 */
@Command(name = "submit", mixinStandardHelpOptions = true, description = "Submits tasks from a file list.")
final class SubmitCommand implements Callable<Integer> {
    @Option(names = "--task-root", required = true, description = "The shared task root.")
    Path taskRoot;

    @Option(names = "--source-root", required = true, description = "Absolute source root the listed paths are relative to.")
    Path sourceRoot;

    @Option(names = "--files", required = true, description = "The file list (one entry per line).")
    Path fileList;

    @Option(names = "--target-prefix", defaultValue = "", description = "Prepended to target keys taken from source paths.")
    String targetPrefix;

    @Option(names = "--files-per-task", defaultValue = "500", description = "Files per task (default ${DEFAULT-VALUE}).")
    int filesPerTask;

    @Option(names = "--attribute", description = "Host attribute key=value stored with every task (repeatable).")
    Map<String, String> attributes = Map.of();

    @Override
    public Integer call() throws IOException {
        List<FileEntry> entries = new ArrayList<>();
        for (String line : readLines(fileList)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int tab = line.indexOf('\t');
            String source = tab < 0 ? line : line.substring(0, tab);
            String target = tab < 0 ? targetPrefix + source : line.substring(tab + 1);
            entries.add(new FileEntry(source, target));
        }
        TaskSubmitter submitter = TaskSubmitter.builder()
                .store(DirectoryTaskStore.builder().root(taskRoot).build()).build();
        int tasks = 0;
        for (int from = 0; from < entries.size(); from += filesPerTask) {
            List<FileEntry> batch = entries.subList(from, Math.min(entries.size(), from + filesPerTask));
            System.out.println(submitter.submit(sourceRoot.toAbsolutePath().toString(), batch, attributes));
            tasks++;
        }
        System.err.printf("submitted %d files in %d tasks%n", entries.size(), tasks);
        return 0;
    }

    /**
     * The file list's lines, decoded strictly as UTF-8 (a leading byte order mark is skipped; a
     * line ends at {@code \n}, a {@code \r} before it is dropped). Bytes that are not UTF-8 are an
     * error naming the line, never replaced: a replaced byte would submit a path that does not
     * exist, and the file list is most often Latin-1 when this happens.
     *
     * @throws MigrateException with {@link ErrorCode#INVALID_ENCODING} naming the line and column
     */
    static List<String> readLines(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int start = bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB
                && (bytes[2] & 0xFF) == 0xBF ? 3 : 0;
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        List<String> lines = new ArrayList<>();
        int lineNo = 0;
        while (start < bytes.length) {
            lineNo++;
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            int contentEnd = end > start && bytes[end - 1] == '\r' ? end - 1 : end;
            ByteBuffer in = ByteBuffer.wrap(bytes, start, contentEnd - start);
            try {
                lines.add(decoder.decode(in).toString());
            } catch (CharacterCodingException e) {
                throw new MigrateException(ErrorCode.INVALID_ENCODING, String.format(
                        "%s, line %d: not valid UTF-8 (byte 0x%02X at byte %d of the line); save the file list as UTF-8,"
                                + " for example with iconv -f LATIN1 -t UTF-8", file, lineNo,
                        bytes[in.position()] & 0xFF, in.position() - start + 1), e);
            }
            start = end + 1;
        }
        return lines;
    }
}

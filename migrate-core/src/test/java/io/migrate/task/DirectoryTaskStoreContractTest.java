package io.migrate.task;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** {@link TaskStoreContract} against {@link DirectoryTaskStore} on a local directory. */
class DirectoryTaskStoreContractTest extends TaskStoreContract {
    @TempDir
    Path root;

    @Override
    protected TaskStore newStore() {
        return DirectoryTaskStore.builder().root(root).build();
    }
}

package io.migrate.transport.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migrate.error.ConfigurationException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PosixTransportConfigTest {

    @Test
    void errorsNameTheKeyAnOperatorWrites() {
        assertThatThrownBy(() -> PosixTransportConfig.builder().build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("transport.posix.endpoints").hasMessageContaining("at least one endpoint");
        assertThatThrownBy(() -> PosixTransportConfig.builder().endpoint("a", Path.of("/x")).endpoint("a", Path.of("/y")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("transport.posix.endpoints").hasMessageContaining("duplicate endpoint id a");
        assertThatThrownBy(() -> PosixTransportConfig.builder().endpoint(" ", Path.of("/x")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("transport.posix.endpoints");
    }

    @Test
    void oneDirectoryIsOneEndpoint() {
        assertThat(PosixTransportConfig.of(Path.of("/data/dst")).endpoints()).hasSize(1);
    }
}

package ai.jllm.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the CUDA libraries are looked for, and what is said when they are not found. */
class NativeLibraryTest {

    @Test
    void explicitDirectoriesComeFirstThenToolkitThenWheels() {
        List<Path> directories = NativeLibrary.searchDirectories(
                Map.of("JLLM_CUDA_LIB_DIR", "/opt/a: /opt/b", "CUDA_HOME", "/opt/cuda-13"),
                List.of(Path.of("/venv/site-packages")));
        assertThat(directories).startsWith(Path.of("/opt/a"), Path.of("/opt/b"), Path.of("/opt/cuda-13/lib64"),
                Path.of("/usr/local/cuda/lib64"));
        assertThat(directories).contains(Path.of("/venv/site-packages/nvidia/cu13/lib"),
                Path.of("/venv/site-packages/nvidia/cublas/lib"), Path.of("/venv/site-packages/nvidia/cuda_nvrtc/lib"));
        assertThat(directories.indexOf(Path.of("/usr/local/cuda/lib64")))
                .isLessThan(directories.indexOf(Path.of("/venv/site-packages/nvidia/cu13/lib")));
    }

    @Test
    void withoutEnvironmentOnlyDefaultsRemain() {
        assertThat(NativeLibrary.searchDirectories(Map.of(), List.of()))
                .containsExactly(Path.of("/usr/local/cuda/lib64"), Path.of("/usr/local/cuda/targets/x86_64-linux/lib"));
    }

    @Test
    void firstExistingPrefersEarlierDirectoriesThenEarlierSonames(@TempDir Path temp) throws IOException {
        Path first = Files.createDirectories(temp.resolve("first"));
        Path second = Files.createDirectories(temp.resolve("second"));
        Files.writeString(first.resolve("libx.so.12"), "");
        Files.writeString(second.resolve("libx.so.13"), "");
        List<String> sonames = List.of("libx.so.13", "libx.so.12");
        assertThat(NativeLibrary.firstExisting(sonames, List.of(first, second))).contains(first.resolve("libx.so.12"));
        assertThat(NativeLibrary.firstExisting(sonames, List.of(second, first))).contains(second.resolve("libx.so.13"));
        assertThat(NativeLibrary.firstExisting(sonames, List.of(temp))).isEmpty();
    }

    @Test
    void aMissingLibraryIsNamedWithTheSonamesTried() {
        NativeLibrary library = new NativeLibrary("the test library",
                List.of("libjllm-does-not-exist.so.13", "libjllm-does-not-exist.so.12"));
        try (Arena arena = Arena.ofConfined()) {
            NativeLibrary.Lookup lookup = library.open(arena, Map.of("JLLM_CUDA_LIB_DIR", "/nonexistent"));
            assertThat(lookup).isInstanceOf(NativeLibrary.Lookup.Missing.class);
            String reason = ((NativeLibrary.Lookup.Missing) lookup).reason();
            assertThat(reason).contains("the test library", "libjllm-does-not-exist.so.13", "JLLM_CUDA_LIB_DIR")
                    .doesNotContain("\n");
        }
    }

    @Test
    void aLibraryInJllmCudaLibDirIsOpened() {
        // libc is on every machine; pointing JLLM_CUDA_LIB_DIR at its directory must find it there by file.
        Path libc = List.of(Path.of("/lib/x86_64-linux-gnu/libc.so.6"), Path.of("/usr/lib/x86_64-linux-gnu/libc.so.6"),
                Path.of("/lib64/libc.so.6"), Path.of("/lib/aarch64-linux-gnu/libc.so.6")).stream()
                .filter(Files::isRegularFile).findFirst().orElseThrow(() -> new AssertionError("no libc.so.6 found"));
        NativeLibrary library = new NativeLibrary("libc", List.of("jllm-not-a-soname", "libc.so.6"));
        try (Arena arena = Arena.ofConfined()) {
            NativeLibrary.Lookup lookup = library.open(arena,
                    Map.of("JLLM_CUDA_LIB_DIR", libc.getParent().toString()));
            assertThat(lookup).isInstanceOf(NativeLibrary.Lookup.Found.class);
            NativeLibrary.Lookup.Found found = (NativeLibrary.Lookup.Found) lookup;
            assertThat(found.symbols().find("strlen")).isPresent();
        }
    }
}

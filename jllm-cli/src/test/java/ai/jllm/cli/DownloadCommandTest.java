package ai.jllm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.testing.FakeHub;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jllm download} through {@link Main#run}, against a fake hub given by the hidden --endpoint option. */
class DownloadCommandTest {

    private static final String REPO = "test-org/cli-model";

    @TempDir
    Path cacheDir;

    private FakeHub hub;
    private String commit;
    private final Map<String, byte[]> files = new LinkedHashMap<>();

    /** What one run printed and returned. */
    private record Run(int exitCode, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }
    }

    @BeforeEach
    void startHub() {
        hub = FakeHub.start();
        files.put("config.json", "{\"architectures\":[\"Qwen2ForCausalLM\"]}".getBytes(StandardCharsets.UTF_8));
        files.put("model.safetensors", new byte[300_000]);
        files.put("tokenizer.json", "{}".getBytes(StandardCharsets.UTF_8));
        files.put("pytorch_model.bin", new byte[1000]);
        commit = hub.repo(REPO).commit(files);
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    @Test
    void printsTheSnapshotDirectoryAsTheLastLine() throws IOException {
        Run run = jllm("download", REPO, "--cache-dir", cacheDir.toString(), "--endpoint", hub.endpoint().toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        Path snapshot = cacheDir.resolve("models--test-org--cli-model/snapshots/" + commit);
        assertThat(run.outLines()).last().isEqualTo(snapshot.toString());
        assertThat(Files.readAllBytes(snapshot.resolve("model.safetensors"))).isEqualTo(files.get("model.safetensors"));
        assertThat(snapshot.resolve("pytorch_model.bin")).doesNotExist();
        assertThat(run.err()).contains("downloading config.json (38 B)", "downloading model.safetensors (293.0 KiB)");
    }

    @Test
    void includeAndRevisionOptions() {
        String older = commit;
        hub.repo(REPO).commit(Map.of("config.json", "{}".getBytes(StandardCharsets.UTF_8)));

        Run run = jllm("download", REPO, "--revision", older, "--include", "*.bin", "--include", "config.json",
                "--cache-dir", cacheDir.toString(), "--endpoint", hub.endpoint().toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        Path snapshot = Path.of(run.outLines().getLast());
        assertThat(snapshot.getFileName().toString()).isEqualTo(older);
        assertThat(snapshot.resolve("pytorch_model.bin")).exists();
        assertThat(snapshot.resolve("config.json")).hasContent("{\"architectures\":[\"Qwen2ForCausalLM\"]}");
        assertThat(snapshot.resolve("model.safetensors")).doesNotExist();
    }

    @Test
    void revisionMayFollowTheIdAfterAnAt() {
        Run run = jllm("download", REPO + "@" + commit, "--include", "config.json",
                "--cache-dir", cacheDir.toString(), "--endpoint", hub.endpoint().toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.outLines().getLast()).endsWith(commit);
    }

    @Test
    void secondRunReusesTheCacheAndPrintsNoProgress() {
        jllm("download", REPO, "--cache-dir", cacheDir.toString(), "--endpoint", hub.endpoint().toString());

        Run again = jllm("download", REPO, "--cache-dir", cacheDir.toString(), "--endpoint", hub.endpoint().toString());

        assertThat(again.exitCode()).isZero();
        assertThat(again.err()).isEmpty();
        assertThat(hub.transfersOf("model.safetensors")).hasSize(1);
    }

    @Test
    void hubErrorsAreOneLine() {
        Run run = jllm("download", "nobody/nothing", "--cache-dir", cacheDir.toString(),
                "--endpoint", hub.endpoint().toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("error: repository nobody/nothing not found on " + hub.endpoint())
                .hasLineCount(1);
    }

    @Test
    void helpDescribesEveryVisibleOption() {
        Run run = jllm("download", "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("ORG/NAME[@REVISION]", "--revision=REVISION", "Branch, tag or commit hash",
                "--include=GLOB", "--cache-dir=DIR", "HF_TOKEN", "HF_HUB_OFFLINE").doesNotContain("--endpoint");
        assertThat(jllm("--help").out()).contains("download");
    }

    private static Run jllm(String... args) {
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PrintStream capturedOut = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream capturedErr = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(capturedOut);
            System.setErr(capturedErr);
            int exitCode = Main.run(args);
            return new Run(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
    }
}

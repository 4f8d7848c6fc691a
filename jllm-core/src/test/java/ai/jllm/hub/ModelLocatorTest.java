package ai.jllm.hub;

import static ai.jllm.hub.HubFixtures.REPO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import ai.jllm.hub.HubException.Reason;
import ai.jllm.testing.FakeHub;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelLocatorTest {

    @TempDir
    Path cacheDir;

    @TempDir
    Path workDir;

    private FakeHub hub;
    private String commit;

    @BeforeEach
    void startHub() {
        hub = FakeHub.start();
        commit = hub.repo(REPO).commit(HubFixtures.modelFiles(1));
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    @Test
    void existingDirectoryIsUsedAsItIs() throws IOException {
        Path model = Files.createDirectories(workDir.resolve("engines/qwen-int8"));

        assertThat(resolve(model.toString())).isEqualTo(model);
        assertThat(hub.requests()).isEmpty();
    }

    @Test
    void existingFileIsNotAModel() throws IOException {
        Path file = Files.writeString(workDir.resolve("model.gguf"), "x");

        assertThatThrownBy(() -> resolve(file.toString())).isInstanceOf(JllmException.class)
                .hasMessage("not a directory: " + file + " (expected a model directory or a hub model id ORG/NAME[@REVISION])");
    }

    @Test
    void missingPathsAreNoSuchDirectoryWithoutAskingTheHub() {
        for (String path : new String[] {"./engines/qwen", "/no/such/model", "engines/qwen/int8", "models/", "~/qwen",
                "..\\qwen"}) {
            assertThatThrownBy(() -> resolve(path)).as(path).isInstanceOf(JllmException.class)
                    .hasMessage("no such directory: " + path);
        }
        assertThatThrownBy(() -> resolve("qwen")).isInstanceOf(JllmException.class)
                .hasMessage("no such directory: qwen (a hub model id looks like ORG/NAME)");
        assertThatThrownBy(() -> resolve("  ")).isInstanceOf(JllmException.class).hasMessageStartingWith("empty model argument");
        assertThat(hub.requests()).isEmpty();
    }

    @Test
    void hubIdIsDownloadedOnceThenServedFromTheCacheWithoutNetwork() {
        Path snapshot = resolve(REPO);

        assertThat(snapshot).isEqualTo(cacheDir.resolve("models--test-org--tiny-model/snapshots/" + commit));
        assertThat(snapshot.resolve("model-00002-of-00002.safetensors")).exists();
        hub.close();
        hub.clearRequests();

        assertThat(resolve(REPO)).isEqualTo(snapshot);
        assertThat(ModelLocator.resolve(REPO, offline(), DownloadListener.NONE)).isEqualTo(snapshot);
        assertThat(ModelLocator.resolve(REPO + "@" + commit, offline(), DownloadListener.NONE)).isEqualTo(snapshot);
        assertThat(hub.requests()).isEmpty();
    }

    @Test
    void revisionAfterTheIdSelectsThatCommit() {
        Map<String, byte[]> newer = new LinkedHashMap<>(HubFixtures.modelFiles(1));
        newer.put("config.json", HubFixtures.text("{\"newer\":true}"));
        hub.repo(REPO).commit(newer);

        assertThat(resolve(REPO + "@" + commit).getFileName().toString()).isEqualTo(commit);
    }

    @Test
    void incompleteCachedSnapshotIsCompletedOnlineAndRefusedOffline() throws IOException {
        Path snapshot = resolve(REPO);
        Path shard = snapshot.resolve("model-00002-of-00002.safetensors");
        Files.delete(shard.toRealPath());

        assertThatThrownBy(() -> ModelLocator.resolve(REPO, offline(), DownloadListener.NONE))
                .isInstanceOfSatisfying(HubException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.NOT_CACHED);
                    assertThat(e.getMessage()).startsWith("HF_HUB_OFFLINE is set and the cached snapshot of "
                            + REPO + "@main lacks the blob of model-00002-of-00002.safetensors");
                });

        hub.clearRequests();
        assertThat(resolve(REPO)).isEqualTo(snapshot);
        assertThat(shard).exists();
        assertThat(hub.transfersOf("model-00002-of-00002.safetensors")).hasSize(1);
        assertThat(hub.transfersOf("model-00001-of-00002.safetensors")).isEmpty();
    }

    @Test
    void snapshotMissingAShardNamedByItsIndexIsIncomplete() throws IOException {
        Path snapshot = resolve(REPO);
        Files.delete(snapshot.resolve("model-00001-of-00002.safetensors"));

        assertThatThrownBy(() -> ModelLocator.resolve(REPO, offline(), DownloadListener.NONE))
                .hasMessageContaining("lacks shard model-00001-of-00002.safetensors (listed in model.safetensors.index.json)");
    }

    @Test
    void offlineWithNothingCachedNamesTheCache() {
        assertThatThrownBy(() -> ModelLocator.resolve(REPO, offline(), DownloadListener.NONE))
                .hasMessage("HF_HUB_OFFLINE is set and " + REPO + "@main is not in the hub cache " + cacheDir);
    }

    @Test
    void unknownHubIdMayBeAMistypedPath() {
        assertThatThrownBy(() -> resolve("engines/qwen-int8"))
                .isInstanceOfSatisfying(HubException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.REPOSITORY_NOT_FOUND);
                    assertThat(e.getMessage()).startsWith(
                            "no such directory: engines/qwen-int8, and repository engines/qwen-int8 not found on ");
                });
    }

    @Test
    void repositoryWithoutSafetensorsIsNotAModel() {
        hub.repo("test-org/bin-only").commit(Map.of("config.json", HubFixtures.text("{}"),
                "pytorch_model.bin", HubFixtures.random(1, 100)));

        assertThatThrownBy(() -> resolve("test-org/bin-only")).isInstanceOf(JllmException.class)
                .hasMessage("test-org/bin-only@main has no weights (*.safetensors): is it a model repository with"
                        + " safetensors weights?");
    }

    private Path resolve(String argument) {
        return ModelLocator.resolve(argument, HubFixtures.config(hub, cacheDir), DownloadListener.NONE);
    }

    private HubConfig offline() {
        return new HubConfig(hub.endpoint(), Optional.empty(), cacheDir, true);
    }
}

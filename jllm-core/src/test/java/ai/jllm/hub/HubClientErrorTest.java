package ai.jllm.hub;

import static ai.jllm.hub.HubFixtures.REPO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import ai.jllm.hub.HubException.Reason;
import ai.jllm.testing.FakeHub;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user reads when the hub says no, is gone, or was never asked. */
class HubClientErrorTest {

    private static final String GATED = "gated-org/licensed-model";

    @TempDir
    Path cacheDir;

    private FakeHub hub;

    @BeforeEach
    void startHub() {
        hub = FakeHub.start();
        hub.repo(REPO).commit(HubFixtures.modelFiles(1));
        hub.gatedRepo(GATED).commit(HubFixtures.modelFiles(2));
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    @Test
    void gatedRepositoryWithoutTokenSaysToAcceptTheLicenceAndSetHfToken() {
        assertThatThrownBy(() -> download(Optional.empty(), GATED, "main"))
                .isInstanceOfSatisfying(HubException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.GATED);
                    assertThat(e.getMessage()).isEqualTo("model " + GATED + " is gated: accept its licence at "
                            + hub.endpoint() + "/" + GATED + " and set HF_TOKEN to a token of that account");
                });
        assertThat(cacheDir.resolve("models--gated-org--licensed-model/refs")).doesNotExist();
    }

    @Test
    void gatedRepositoryWithATokenLackingAccessSaysSo() {
        assertThatThrownBy(() -> download(Optional.of("hf_not_accepted"), GATED, "main"))
                .isInstanceOfSatisfying(HubException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.GATED);
                    assertThat(e.getMessage()).contains("has no access yet", "accept its licence at");
                });
    }

    @Test
    void gatedRepositoryWithTheTokenDownloads() {
        Path snapshot = download(Optional.of(FakeHub.VALID_TOKEN), GATED, "main");

        assertThat(snapshot.resolve("config.json")).exists();
        assertThat(hub.violations()).isEmpty();
    }

    @Test
    void missingRepositoryAskedAnonymouslyIsNamed() {
        assertThatThrownBy(() -> download(Optional.empty(), "nobody/nothing", "main"))
                .isInstanceOfSatisfying(HubException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.REPOSITORY_NOT_FOUND);
                    assertThat(e.getMessage()).isEqualTo("repository nobody/nothing not found on " + hub.endpoint()
                            + " (if it is private, set HF_TOKEN)");
                });
    }

    @Test
    void missingRepositoryAskedWithATokenIsNamed() {
        assertThatThrownBy(() -> download(Optional.of(FakeHub.VALID_TOKEN), "nobody/nothing", "main"))
                .isInstanceOfSatisfying(HubException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.REPOSITORY_NOT_FOUND);
                    assertThat(e.getMessage()).contains("nobody/nothing not found", "your HF_TOKEN cannot see it");
                });
    }

    @Test
    void missingRevisionIsNamed() {
        assertThatThrownBy(() -> download(Optional.empty(), REPO, "no-such-branch"))
                .isInstanceOfSatisfying(HubException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.REVISION_NOT_FOUND);
                    assertThat(e.getMessage()).isEqualTo("revision no-such-branch not found in repository " + REPO);
                });
    }

    @Test
    void unreachableHubNamesTheUrl() {
        hub.close();

        assertThatThrownBy(() -> download(Optional.empty(), REPO, "main"))
                .isInstanceOfSatisfying(HubException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.NETWORK);
                    assertThat(e.getMessage()).isEqualTo("cannot download " + REPO + "@main from " + hub.endpoint()
                            + "/api/models/" + REPO + "/revision/main: connection refused");
                });
    }

    @Test
    void unreachableHubWithACachedSnapshotPointsToOfflineMode() {
        download(Optional.empty(), REPO, "main");
        hub.close();

        assertThatThrownBy(() -> download(Optional.empty(), REPO, "main"))
                .hasMessageEndingWith("a snapshot is cached: set HF_HUB_OFFLINE=1 to use it");
    }

    @Test
    void offlineWithoutCacheSaysWhatIsMissingAndWhere() {
        HubConfig offline = new HubConfig(hub.endpoint(), Optional.empty(), cacheDir, true);
        try (HubClient client = new HubClient(offline)) {
            assertThatThrownBy(() -> client.download(REPO, "main", List.of(), DownloadListener.NONE))
                    .isInstanceOfSatisfying(HubException.class, e -> {
                        assertThat(e.reason()).isEqualTo(Reason.NOT_CACHED);
                        assertThat(e.getMessage()).isEqualTo("HF_HUB_OFFLINE is set and " + REPO
                                + "@main is not in the hub cache " + cacheDir);
                    });
        }
        assertThat(hub.requests()).isEmpty();
    }

    @Test
    void malformedRepositoryIdsAndRevisionsAreRejectedBeforeAnyRequest() {
        assertThatThrownBy(() -> download(Optional.empty(), "no-namespace", "main"))
                .isInstanceOf(JllmException.class).hasMessageContaining("expected ORG/NAME");
        assertThatThrownBy(() -> download(Optional.empty(), "a/b/c", "main"))
                .isInstanceOf(JllmException.class).hasMessageContaining("invalid hub repository id: a/b/c");
        assertThatThrownBy(() -> download(Optional.empty(), REPO, "../../etc"))
                .isInstanceOf(JllmException.class).hasMessage("invalid revision: '../../etc' (expected a branch, tag or commit hash)");
        assertThat(hub.requests()).isEmpty();
        assertThat(Files.exists(cacheDir.resolve("CACHEDIR.TAG"))).isFalse();
    }

    private Path download(Optional<String> token, String repo, String revision) {
        HubConfig config = new HubConfig(hub.endpoint(), token, cacheDir, false);
        try (HubClient client = new HubClient(config, Duration.ofMillis(10))) {
            return client.download(repo, revision, List.of(), DownloadListener.NONE);
        }
    }
}

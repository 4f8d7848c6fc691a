package ai.jllm.hub;

import static ai.jllm.hub.HubFixtures.REPO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import ai.jllm.testing.FakeHub;
import ai.jllm.testing.FakeHub.Request;
import ai.jllm.testing.FakeHub.Server;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads from a fake hub over real HTTP and checks the cache against huggingface_hub's layout. */
class HubClientTest {

    private static final String SHARD = "model-00001-of-00002.safetensors";
    private static final List<String> DEFAULT_SELECTION = List.of("config.json", "generation_config.json",
            SHARD, "model-00002-of-00002.safetensors", "model.safetensors.index.json", "tokenizer.json",
            "tokenizer_config.json", "tokenizer.model", "merges.txt", "chat_template.jinja", "subdir/nested.json");

    @TempDir
    Path cacheDir;

    private FakeHub hub;
    private Map<String, byte[]> files;
    private String commit;

    @BeforeEach
    void startHub() {
        hub = FakeHub.start();
        files = HubFixtures.modelFiles(1);
        commit = hub.repo(REPO).commit(files);
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    @Test
    void freshDownloadWritesBlobsRelativeSymlinksAndRefs() throws IOException {
        RecordingListener listener = new RecordingListener();

        Path snapshot = download(REPO, "main", List.of(), listener);

        Path repoDir = cacheDir.resolve("models--test-org--tiny-model");
        assertThat(snapshot).isEqualTo(repoDir.resolve("snapshots").resolve(commit));
        assertThat(Files.readString(repoDir.resolve("refs/main"))).isEqualTo(commit);
        for (String file : DEFAULT_SELECTION) {
            Path pointer = snapshot.resolve(file);
            String etag = FakeHub.isLfs(file) ? FakeHub.sha256(files.get(file)) : FakeHub.gitBlobId(files.get(file));
            String up = "../".repeat(2 + (int) file.chars().filter(c -> c == '/').count());
            assertThat(Files.isSymbolicLink(pointer)).as(file).isTrue();
            assertThat(Files.readSymbolicLink(pointer)).as(file).isEqualTo(Path.of(up + "blobs/" + etag));
            assertThat(Files.readAllBytes(repoDir.resolve("blobs").resolve(etag))).as(file).isEqualTo(files.get(file));
            assertThat(Files.readAllBytes(pointer)).as(file).isEqualTo(files.get(file));
        }
        assertThat(Files.readSymbolicLink(snapshot.resolve("subdir/nested.json")).toString()).startsWith("../../../blobs/");
        assertThat(filesUnder(snapshot)).containsExactlyInAnyOrderElementsOf(DEFAULT_SELECTION);
        assertThat(filesUnder(repoDir.resolve("blobs"))).noneMatch(name -> name.endsWith(".incomplete"));
        assertThat(cacheDir.resolve("CACHEDIR.TAG")).content().startsWith("Signature: 8a477f597d28d172789f06886806bc55");
        assertThat(listener.events).containsExactlyElementsOf(
                DEFAULT_SELECTION.stream().flatMap(file -> Stream.of("started " + file, "finished " + file)).toList());
        for (String file : DEFAULT_SELECTION) {
            assertThat(listener.totals.get(file)).isEqualTo(files.get(file).length);
            assertThat(listener.advanced.get(file)).as(file).isEqualTo(files.get(file).length);
        }
        assertThat(hub.transfersOf(SHARD)).singleElement().satisfies(request -> {
            assertThat(request.server()).isEqualTo(Server.CDN);
            assertThat(request.range()).isEmpty();
        });
        assertThat(hub.violations()).isEmpty();
    }

    @Test
    void fileAlreadyInTheSnapshotIsNotFetchedAgain() {
        download(REPO, "main", List.of(), DownloadListener.NONE);
        hub.clearRequests();
        RecordingListener listener = new RecordingListener();

        download(REPO, "main", List.of(), listener);

        assertThat(hub.requests()).extracting(Request::method).containsExactly("GET");
        assertThat(hub.requests().getFirst().path()).startsWith("/api/models/");
        assertThat(listener.events).isEmpty();
    }

    @Test
    void blobSharedWithAnEarlierCommitIsLinkedNotFetched() throws IOException {
        Path first = download(REPO, "main", List.of(), DownloadListener.NONE);
        Map<String, byte[]> changed = new LinkedHashMap<>(files);
        changed.put("config.json", HubFixtures.text("{\"architectures\":[\"LlamaForCausalLM\"],\"changed\":true}"));
        String second = hub.repo(REPO).commit(changed);
        hub.clearRequests();

        Path snapshot = download(REPO, "main", List.of(), DownloadListener.NONE);

        assertThat(snapshot.getFileName().toString()).isEqualTo(second);
        assertThat(hub.transfersOf(SHARD)).isEmpty();
        assertThat(hub.transfersOf("config.json")).hasSize(1);
        assertThat(snapshot.resolve(SHARD).toRealPath()).isEqualTo(first.resolve(SHARD).toRealPath());
        assertThat(Files.readString(snapshot.resolve("config.json"))).contains("changed");
        assertThat(Files.readString(cacheDir.resolve("models--test-org--tiny-model/refs/main"))).isEqualTo(second);
    }

    @Test
    void completeCacheIsReusedOfflineWithTheServerStopped() {
        Path online = download(REPO, "main", List.of(), DownloadListener.NONE);
        hub.close();
        HubConfig offline = new HubConfig(hub.endpoint(), Optional.empty(), cacheDir, true);

        try (HubClient client = new HubClient(offline)) {
            assertThat(client.download(REPO, "main", List.of(), DownloadListener.NONE)).isEqualTo(online);
            assertThat(client.download(REPO, commit, List.of(), DownloadListener.NONE)).isEqualTo(online);
        }
    }

    @Test
    void partialBlobIsResumedWithARangeRequest() throws IOException {
        byte[] content = files.get(SHARD);
        Path blobs = Files.createDirectories(cacheDir.resolve("models--test-org--tiny-model/blobs"));
        int kept = 1_000_003;
        Files.write(blobs.resolve(FakeHub.sha256(content) + ".incomplete"), Arrays.copyOf(content, kept));
        RecordingListener listener = new RecordingListener();

        Path snapshot = download(REPO, "main", List.of(SHARD), listener);

        assertThat(hub.transfersOf(SHARD)).singleElement()
                .satisfies(request -> assertThat(request.range()).contains("bytes=" + kept + "-"));
        assertThat(Files.readAllBytes(snapshot.resolve(SHARD))).isEqualTo(content);
        assertThat(blobs.resolve(FakeHub.sha256(content) + ".incomplete")).doesNotExist();
        assertThat(listener.firstAdvance.get(SHARD)).isEqualTo(kept);
        assertThat(listener.advanced.get(SHARD)).isEqualTo(content.length);
    }

    @Test
    void connectionDroppedMidFileIsResumedInTheSameCall() throws IOException {
        hub.failNext(SHARD, new FakeHub.DropConnectionAfter(700_000));

        Path snapshot = download(REPO, "main", List.of(SHARD), DownloadListener.NONE);

        List<Request> transfers = hub.transfersOf(SHARD);
        assertThat(transfers).hasSize(2);
        assertThat(transfers.get(0).range()).isEmpty();
        assertThat(resumedAt(transfers.get(1))).isBetween(1L, 700_000L);
        assertThat(Files.readAllBytes(snapshot.resolve(SHARD))).isEqualTo(files.get(SHARD));
    }

    @Test
    void connectionThatKeepsDroppingFailsAndLeavesAPartialToResume() throws IOException {
        hub.failNext(SHARD, new FakeHub.DropConnectionAfter(700_000));
        hub.failNext(SHARD, new FakeHub.DropConnectionAfter(0));
        hub.failNext(SHARD, new FakeHub.DropConnectionAfter(0));
        Path incomplete = cacheDir.resolve("models--test-org--tiny-model/blobs/" + FakeHub.sha256(files.get(SHARD))
                + ".incomplete");

        assertThatThrownBy(() -> download(REPO, "main", List.of(SHARD), DownloadListener.NONE))
                .isInstanceOfSatisfying(HubException.class, e -> {
                    assertThat(e.reason()).isEqualTo(HubException.Reason.NETWORK);
                    assertThat(e.getMessage()).matches("download of " + REPO + "@main:" + SHARD
                            + " from http://127\\.0\\.0\\.1:\\d+/\\S+ failed at byte \\d+ of " + files.get(SHARD).length
                            + " \\(connection closed by the server\\); run again to resume");
                });
        // The client keeps what reached it before the connection dropped (up to the 700000 bytes sent).
        long kept = Files.size(incomplete);
        assertThat(kept).isBetween(1L, 700_000L);
        assertThat(hub.transfersOf(SHARD)).hasSize(3);
        assertThat(cacheDir.resolve("models--test-org--tiny-model/snapshots/" + commit + "/" + SHARD)).doesNotExist();

        hub.clearRequests();
        Path snapshot = download(REPO, "main", List.of(SHARD), DownloadListener.NONE);

        assertThat(hub.transfersOf(SHARD)).singleElement()
                .satisfies(request -> assertThat(request.range()).contains("bytes=" + kept + "-"));
        assertThat(Files.readAllBytes(snapshot.resolve(SHARD))).isEqualTo(files.get(SHARD));
    }

    @Test
    void bodyEndingShortOfTheAnnouncedSizeIsRejected() {
        hub.failNext(SHARD, new FakeHub.EndBodyAfter(500));
        int size = files.get(SHARD).length;

        assertThatThrownBy(() -> download(REPO, "main", List.of(SHARD), DownloadListener.NONE))
                .isInstanceOfSatisfying(HubException.class, e -> {
                    assertThat(e.reason()).isEqualTo(HubException.Reason.INCOMPLETE_DOWNLOAD);
                    assertThat(e.getMessage()).contains(SHARD, "stopped at 500 of " + size + " bytes");
                });
        assertThat(cacheDir.resolve("models--test-org--tiny-model/blobs/" + FakeHub.sha256(files.get(SHARD))))
                .doesNotExist();
        assertThat(cacheDir.resolve("models--test-org--tiny-model/snapshots/" + commit + "/" + SHARD)).doesNotExist();
    }

    @Test
    void contentLengthDisagreeingWithTheHubIsRejectedBeforeReading() {
        hub.failNext("config.json", new FakeHub.ShortContentLength(10));

        assertThatThrownBy(() -> download(REPO, "main", List.of("config.json"), DownloadListener.NONE))
                .isInstanceOfSatisfying(HubException.class, e -> {
                    assertThat(e.reason()).isEqualTo(HubException.Reason.INCOMPLETE_DOWNLOAD);
                    assertThat(e.getMessage()).contains("serves 10 bytes", "config.json",
                            "announced " + files.get("config.json").length);
                });
    }

    @Test
    void includeGlobsReplaceTheDefaultSelection() throws IOException {
        Path snapshot = download(REPO, "main", List.of("*.bin", "subdir/"), DownloadListener.NONE);

        assertThat(filesUnder(snapshot)).containsExactlyInAnyOrder("pytorch_model.bin", "subdir/nested.json");
        assertThat(Files.readAllBytes(snapshot.resolve("pytorch_model.bin"))).isEqualTo(files.get("pytorch_model.bin"));
    }

    @Test
    void globMatchingNothingIsAnError() {
        assertThatThrownBy(() -> download(REPO, "main", List.of("*.gguf"), DownloadListener.NONE))
                .isInstanceOf(JllmException.class)
                .hasMessage("no file of " + REPO + "@main matches *.gguf");
    }

    @Test
    void revisionGivenAsACommitHashNeedsNoRef() throws IOException {
        Map<String, byte[]> newer = new LinkedHashMap<>(files);
        newer.put("config.json", HubFixtures.text("{\"newer\":true}"));
        hub.repo(REPO).commit(newer);

        Path snapshot = download(REPO, commit, List.of("config.json"), DownloadListener.NONE);

        assertThat(snapshot.getFileName().toString()).isEqualTo(commit);
        assertThat(Files.readAllBytes(snapshot.resolve("config.json"))).isEqualTo(files.get("config.json"));
        assertThat(cacheDir.resolve("models--test-org--tiny-model/refs")).doesNotExist();
        assertThat(hub.requests()).filteredOn(request -> request.method().equals("HEAD"))
                .extracting(Request::path).containsExactly("/" + REPO + "/resolve/" + commit + "/config.json");
    }

    @Test
    void branchWithSlashesIsOneEncodedSegmentAndANestedRef() throws IOException {
        String prCommit = hub.repo(REPO).commit("refs/pr/1", files);

        Path snapshot = download(REPO, "refs/pr/1", List.of("config.json"), DownloadListener.NONE);

        assertThat(snapshot.getFileName().toString()).isEqualTo(prCommit);
        assertThat(hub.requests().getFirst().path()).isEqualTo("/api/models/" + REPO + "/revision/refs%2Fpr%2F1");
        assertThat(Files.readString(cacheDir.resolve("models--test-org--tiny-model/refs/refs/pr/1"))).isEqualTo(prCommit);
    }

    @Test
    void renamedRepositoryIsFollowedThroughRelativeRedirects() throws IOException {
        hub.rename("old-org/old-name", REPO);

        Path snapshot = download("old-org/old-name", "main", List.of("config.json", SHARD), DownloadListener.NONE);

        assertThat(snapshot).startsWith(cacheDir.resolve("models--old-org--old-name"));
        assertThat(Files.readAllBytes(snapshot.resolve("config.json"))).isEqualTo(files.get("config.json"));
        assertThat(Files.readAllBytes(snapshot.resolve(SHARD))).isEqualTo(files.get(SHARD));
        assertThat(hub.requests()).anyMatch(request -> request.path().startsWith("/old-org/old-name/resolve/"));
        assertThat(hub.requests()).anyMatch(request -> request.path().startsWith("/" + REPO + "/resolve/"));
    }

    @Test
    void tokenGoesToTheHubButNeverToTheCdn() {
        HubConfig config = HubFixtures.configWithToken(hub, cacheDir, FakeHub.VALID_TOKEN);
        try (HubClient client = new HubClient(config, Duration.ofMillis(10))) {
            client.download(REPO, "main", List.of(), DownloadListener.NONE);
        }

        assertThat(hub.requests()).filteredOn(request -> request.server() == Server.HUB).allMatch(Request::authorized);
        assertThat(hub.requests()).filteredOn(request -> request.server() == Server.CDN).isNotEmpty()
                .noneMatch(Request::authorized);
        assertThat(hub.violations()).isEmpty();
    }

    @Test
    void emptyFileIsCached() throws IOException {
        Map<String, byte[]> withEmpty = new LinkedHashMap<>(files);
        withEmpty.put("added_tokens.json", new byte[0]);
        hub.repo(REPO).commit(withEmpty);

        Path snapshot = download(REPO, "main", List.of("added_tokens.json"), DownloadListener.NONE);

        assertThat(snapshot.resolve("added_tokens.json")).isEmptyFile();
    }

    private static long resumedAt(Request request) {
        String range = request.range().orElseThrow();
        assertThat(range).matches("bytes=\\d+-");
        return Long.parseLong(range.substring("bytes=".length(), range.length() - 1));
    }

    private Path download(String repo, String revision, List<String> include, DownloadListener listener) {
        try (HubClient client = new HubClient(HubFixtures.config(hub, cacheDir), Duration.ofMillis(10))) {
            return client.download(repo, revision, include, listener);
        }
    }

    /** Every file and link below {@code dir}, as {@code /}-separated relative paths. */
    static List<String> filesUnder(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            return paths.filter(path -> !Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .map(path -> dir.relativize(path).toString().replace('\\', '/')).toList();
        }
    }
}

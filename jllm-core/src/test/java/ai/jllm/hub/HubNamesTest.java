package ai.jllm.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** Repository ids, revisions, ETags and URLs: the names that end up in paths and requests. */
class HubNamesTest {

    @Test
    void repositoryIdsFollowTheHubsRules() {
        assertThat(RepoId.parse("Qwen/Qwen2.5-0.5B-Instruct").cacheFolderName()).isEqualTo("models--Qwen--Qwen2.5-0.5B-Instruct");
        assertThat(RepoId.parse("meta-llama/Llama-3.1-8B").toString()).isEqualTo("meta-llama/Llama-3.1-8B");
        assertThat(RepoId.isValid("_org/name_")).isTrue();
        for (String invalid : new String[] {"gpt2", "a/b/c", "/name", "org/", "org/-name", "org/name.", "org/a--b",
                "org/a..b", "org/name.git", "org/na me", "org/" + "x".repeat(97)}) {
            assertThat(RepoId.isValid(invalid)).as(invalid).isFalse();
            assertThatThrownBy(() -> RepoId.parse(invalid)).as(invalid).isInstanceOf(JllmException.class)
                    .hasMessageStartingWith("invalid hub repository id: ");
        }
    }

    @Test
    void revisionsCannotEscapeTheRefsFolder() {
        assertThat(new Revision("refs/pr/12").name()).isEqualTo("refs/pr/12");
        assertThat(new Revision("v1.0").isCommitHash()).isFalse();
        assertThat(new Revision("0123456789abcdef0123456789abcdef01234567").isCommitHash()).isTrue();
        for (String invalid : new String[] {"", "..", "a/../b", "/main", "main/", "a//b", "./a", "a b", "a\\b", "a:b",
                "a\nb"}) {
            assertThatThrownBy(() -> new Revision(invalid)).as(invalid).isInstanceOf(JllmException.class);
        }
    }

    @Test
    void etagsLoseQuotesAndTheWeakPrefix() {
        assertThat(FileMetadata.normalizeEtag("\"abc123\"")).isEqualTo("abc123");
        assertThat(FileMetadata.normalizeEtag("W/\"abc123\"")).isEqualTo("abc123");
        assertThat(FileMetadata.normalizeEtag("abc123")).isEqualTo("abc123");
    }

    @Test
    void urlsEncodeRevisionsAsOneSegmentAndKeepFileFolders() {
        HubUrls urls = new HubUrls(URI.create("https://huggingface.co"));
        RepoId repo = RepoId.parse("org/name");

        assertThat(urls.modelInfo(repo, new Revision("refs/pr/1")))
                .hasToString("https://huggingface.co/api/models/org/name/revision/refs%2Fpr%2F1");
        assertThat(urls.resolve(repo, "main", "sub dir/ünï+code.json"))
                .hasToString("https://huggingface.co/org/name/resolve/main/sub%20dir/%C3%BCn%C3%AF%2Bcode.json");
    }

    @Test
    void listedFileNamesMustStayInsideTheSnapshot() {
        assertThat(RepoListing.isSafeRelativePath("subdir/file.json")).isTrue();
        for (String unsafe : new String[] {"", "/etc/passwd", "../x", "a/../../x", "a//b", "a\\b", "./a", "a/"}) {
            assertThat(RepoListing.isSafeRelativePath(unsafe)).as(unsafe).isFalse();
        }
    }
}

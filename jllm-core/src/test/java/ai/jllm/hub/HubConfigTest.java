package ai.jllm.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The environment variables huggingface_hub reads, with its precedence (constants.py, utils/_auth.py). */
class HubConfigTest {

    @TempDir
    Path home;

    @Test
    void defaultsLiveUnderTheHomeCache() {
        HubConfig config = HubConfig.fromEnvironment(Map.of(), home, Optional.empty());

        assertThat(config.endpoint()).isEqualTo(URI.create("https://huggingface.co"));
        assertThat(config.cacheDir()).isEqualTo(home.resolve(".cache/huggingface/hub"));
        assertThat(config.token()).isEmpty();
        assertThat(config.offline()).isFalse();
    }

    @Test
    void cacheDirPrecedence() {
        Path override = home.resolve("override");
        Map<String, String> env = Map.of("HF_HUB_CACHE", "/hub-cache", "HUGGINGFACE_HUB_CACHE", "/legacy",
                "HF_HOME", "/hf-home", "XDG_CACHE_HOME", "/xdg");

        assertThat(HubConfig.fromEnvironment(env, home, Optional.of(override)).cacheDir()).isEqualTo(override);
        assertThat(HubConfig.fromEnvironment(env, home, Optional.empty()).cacheDir()).isEqualTo(Path.of("/hub-cache"));
        assertThat(HubConfig.fromEnvironment(Map.of("HUGGINGFACE_HUB_CACHE", "/legacy", "HF_HOME", "/hf-home"), home,
                Optional.empty()).cacheDir()).isEqualTo(Path.of("/legacy"));
        assertThat(HubConfig.fromEnvironment(Map.of("HF_HOME", "/hf-home", "XDG_CACHE_HOME", "/xdg"), home,
                Optional.empty()).cacheDir()).isEqualTo(Path.of("/hf-home/hub"));
        assertThat(HubConfig.fromEnvironment(Map.of("XDG_CACHE_HOME", "/xdg"), home, Optional.empty()).cacheDir())
                .isEqualTo(Path.of("/xdg/huggingface/hub"));
        assertThat(HubConfig.fromEnvironment(Map.of("HF_HOME", "~/hf"), home, Optional.empty()).cacheDir())
                .isEqualTo(home.resolve("hf/hub"));
    }

    @Test
    void tokenComesFromTheEnvironmentBeforeTheTokenFile() throws IOException {
        Path hfHome = Files.createDirectories(home.resolve(".cache/huggingface"));
        Files.writeString(hfHome.resolve("token"), "hf_from_file\n");

        assertThat(HubConfig.fromEnvironment(Map.of("HF_TOKEN", " hf_from_env "), home, Optional.empty()).token())
                .contains("hf_from_env");
        assertThat(HubConfig.fromEnvironment(Map.of("HUGGING_FACE_HUB_TOKEN", "hf_legacy"), home, Optional.empty())
                .token()).contains("hf_legacy");
        assertThat(HubConfig.fromEnvironment(Map.of("HF_TOKEN", ""), home, Optional.empty()).token())
                .contains("hf_from_file");
        Path elsewhere = Files.writeString(home.resolve("other-token"), "hf_other");
        assertThat(HubConfig.fromEnvironment(Map.of("HF_TOKEN_PATH", elsewhere.toString()), home, Optional.empty())
                .token()).contains("hf_other");
        assertThat(HubConfig.fromEnvironment(Map.of("HF_HOME", home.resolve("empty").toString()), home,
                Optional.empty()).token()).isEmpty();
    }

    @Test
    void offlineAcceptsHuggingfaceHubsTrueValues() {
        for (String value : new String[] {"1", "ON", "yes", "True"}) {
            assertThat(HubConfig.fromEnvironment(Map.of("HF_HUB_OFFLINE", value), home, Optional.empty()).offline())
                    .as(value).isTrue();
        }
        for (String value : new String[] {"0", "off", "false", ""}) {
            assertThat(HubConfig.fromEnvironment(Map.of("HF_HUB_OFFLINE", value), home, Optional.empty()).offline())
                    .as(value).isFalse();
        }
        assertThat(HubConfig.fromEnvironment(Map.of("TRANSFORMERS_OFFLINE", "1"), home, Optional.empty()).offline())
                .isTrue();
    }

    @Test
    void endpointLosesItsTrailingSlashAndMustBeHttp() {
        assertThat(HubConfig.fromEnvironment(Map.of("HF_ENDPOINT", "https://hf-mirror.example/"), home,
                Optional.empty()).endpoint()).isEqualTo(URI.create("https://hf-mirror.example"));
        assertThatThrownBy(() -> HubConfig.fromEnvironment(Map.of("HF_ENDPOINT", "ftp://mirror"), home, Optional.empty()))
                .isInstanceOf(JllmException.class).hasMessage("HF_ENDPOINT is not an http(s) base URL: ftp://mirror");
    }

    @Test
    void toStringHidesTheToken() {
        HubConfig config = new HubConfig(HubConfig.DEFAULT_ENDPOINT, Optional.of("hf_secret"), home, false);

        assertThat(config.toString()).doesNotContain("hf_secret").contains("token=(set)");
    }
}

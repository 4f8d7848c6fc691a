package ai.jllm.hub;

import ai.jllm.JllmException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Where the hub is, who we are to it, and where its files are cached. {@link #fromEnvironment} reads the
 * same variables as Python's {@code huggingface_hub}, so both share one cache and one login.
 *
 * @param endpoint the hub's base URL, without a trailing slash ({@code HF_ENDPOINT})
 * @param token the access token sent as {@code Authorization: Bearer} to the hub (never to its CDN)
 * @param cacheDir the hub cache holding {@code models--org--name} folders (made absolute)
 * @param offline no network at all: only what the cache holds ({@code HF_HUB_OFFLINE})
 */
public record HubConfig(URI endpoint, Optional<String> token, Path cacheDir, boolean offline) {

    public static final URI DEFAULT_ENDPOINT = URI.create("https://huggingface.co");

    private static final Set<String> TRUE_VALUES = Set.of("1", "ON", "YES", "TRUE");

    public HubConfig {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(cacheDir, "cacheDir");
        endpoint = checkedEndpoint(endpoint.toString());
        cacheDir = cacheDir.toAbsolutePath().normalize();
        token = token.map(String::strip).filter(value -> !value.isEmpty());
    }

    /** The configuration of this process: its environment variables, home directory and an optional {@code --cache-dir}. */
    public static HubConfig fromEnvironment(Optional<Path> cacheDirOverride) {
        return fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")), cacheDirOverride);
    }

    /**
     * The configuration described by {@code env}, with {@code huggingface_hub}'s precedence:
     * endpoint {@code HF_ENDPOINT}; token {@code HF_TOKEN}, else {@code HUGGING_FACE_HUB_TOKEN}, else the file
     * {@code HF_TOKEN_PATH}, else {@code $HF_HOME/token}; cache {@code cacheDirOverride}, else {@code HF_HUB_CACHE},
     * else {@code HUGGINGFACE_HUB_CACHE}, else {@code $HF_HOME/hub}; {@code HF_HOME} defaults to
     * {@code $XDG_CACHE_HOME/huggingface}, else {@code ~/.cache/huggingface}; offline when {@code HF_HUB_OFFLINE}
     * (or {@code TRANSFORMERS_OFFLINE}) is 1, ON, YES or TRUE.
     */
    public static HubConfig fromEnvironment(Map<String, String> env, Path userHome, Optional<Path> cacheDirOverride) {
        Path hfHome = variable(env, "HF_HOME").map(value -> expandHome(value, userHome))
                .orElseGet(() -> variable(env, "XDG_CACHE_HOME").map(value -> expandHome(value, userHome))
                        .orElse(userHome.resolve(".cache")).resolve("huggingface"));
        Path cacheDir = cacheDirOverride
                .or(() -> variable(env, "HF_HUB_CACHE").map(value -> expandHome(value, userHome)))
                .or(() -> variable(env, "HUGGINGFACE_HUB_CACHE").map(value -> expandHome(value, userHome)))
                .orElse(hfHome.resolve("hub"));
        Optional<String> token = variable(env, "HF_TOKEN")
                .or(() -> variable(env, "HUGGING_FACE_HUB_TOKEN"))
                .or(() -> readTokenFile(variable(env, "HF_TOKEN_PATH").map(value -> expandHome(value, userHome))
                        .orElse(hfHome.resolve("token"))));
        URI endpoint = variable(env, "HF_ENDPOINT").map(HubConfig::checkedEndpoint).orElse(DEFAULT_ENDPOINT);
        boolean offline = variable(env, "HF_HUB_OFFLINE").or(() -> variable(env, "TRANSFORMERS_OFFLINE"))
                .map(value -> TRUE_VALUES.contains(value.strip().toUpperCase(Locale.ROOT))).orElse(false);
        return new HubConfig(endpoint, token, cacheDir, offline);
    }

    /** The same configuration talking to another hub (a mirror, or a test's fake hub). */
    public HubConfig withEndpoint(URI newEndpoint) {
        return new HubConfig(newEndpoint, token, cacheDir, offline);
    }

    /** Never prints the token itself. */
    @Override
    public String toString() {
        return "HubConfig[endpoint=" + endpoint + ", token=" + (token.isPresent() ? "(set)" : "(none)")
                + ", cacheDir=" + cacheDir + ", offline=" + offline + "]";
    }

    private static URI checkedEndpoint(String text) {
        String trimmed = text.strip();
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        URI uri;
        try {
            uri = URI.create(trimmed);
        } catch (IllegalArgumentException e) {
            throw new JllmException("HF_ENDPOINT is not a valid URL: " + text);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null
                || uri.getQuery() != null || uri.getFragment() != null) {
            throw new JllmException("HF_ENDPOINT is not an http(s) base URL: " + text);
        }
        return uri;
    }

    private static Optional<String> variable(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).map(String::strip).filter(value -> !value.isEmpty());
    }

    private static Path expandHome(String path, Path userHome) {
        if (path.equals("~")) {
            return userHome;
        }
        return path.startsWith("~/") ? userHome.resolve(path.substring(2)) : Path.of(path);
    }

    private static Optional<String> readTokenFile(Path file) {
        try {
            return Optional.of(Files.readString(file, StandardCharsets.UTF_8).strip()).filter(value -> !value.isEmpty());
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new JllmException("cannot read the hub token file " + file + ": " + e.getMessage(), e);
        }
    }
}

package ai.jllm.cli;

import ai.jllm.hub.HubConfig;
import ai.jllm.hub.ModelLocator;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The hub options of every command that accepts a hub model id ({@code @Mixin HubOptions hub;}).
 * The rest comes from the environment, as for Python's huggingface_hub: HF_TOKEN, HF_ENDPOINT,
 * HF_HOME, HF_HUB_CACHE, HF_HUB_OFFLINE.
 */
final class HubOptions {

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "Hugging Face hub cache directory (default: $HF_HUB_CACHE, else $HF_HOME/hub,"
                    + " else ~/.cache/huggingface/hub).")
    Path cacheDir;

    /** Hidden: tests cannot set HF_ENDPOINT in their own process, so they point commands at a fake hub with this. */
    @Option(names = "--endpoint", paramLabel = "URL", hidden = true,
            description = "Hub endpoint, overriding $HF_ENDPOINT.")
    URI endpoint;

    HubConfig config() {
        HubConfig config = HubConfig.fromEnvironment(Optional.ofNullable(cacheDir));
        return endpoint == null ? config : config.withEndpoint(endpoint);
    }

    /** A {@code --model} argument as a local directory: used as is, or found in (or downloaded into) the cache. */
    Path resolveModel(String model) {
        try (ProgressBarDownloadListener progress = ProgressBarDownloadListener.forConsole()) {
            return ModelLocator.resolve(model, config(), progress);
        }
    }
}

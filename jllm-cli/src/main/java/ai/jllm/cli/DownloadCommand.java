package ai.jllm.cli;

import ai.jllm.JllmException;
import ai.jllm.hub.HubClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jllm download}: fetch a model from the Hugging Face hub into the shared HF cache. */
@Command(
        name = "download",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Download a model from the Hugging Face hub into the Hugging Face cache (the one Python's"
                    + " huggingface_hub uses) and print its snapshot directory as the last line of output.",
            "Files already in the cache are not fetched again; an interrupted download resumes where it stopped.",
            "Environment: HF_TOKEN (gated and private models), HF_ENDPOINT (a mirror), HF_HOME / HF_HUB_CACHE"
                    + " (where the cache is), HF_HUB_OFFLINE=1 (no network: print the cached snapshot)."
        })
final class DownloadCommand implements Callable<Integer> {

    @Parameters(paramLabel = "ORG/NAME[@REVISION]",
            description = "The model repository on the hub, for example Qwen/Qwen2.5-0.5B-Instruct.")
    String model;

    @Option(names = "--revision", paramLabel = "REVISION",
            description = "Branch, tag or commit hash to download (default: main).")
    String revision;

    @Option(names = "--include", paramLabel = "GLOB",
            description = "Download only the files matching GLOB (repeatable; '*' also matches '/')."
                    + " Without it: *.json, *.safetensors, *.model, *.txt, *.jinja and tokenizer* files.")
    List<String> include = new ArrayList<>();

    @Mixin
    HubOptions hub;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        int at = model.indexOf('@');
        String repoId = at < 0 ? model : model.substring(0, at);
        Optional<String> inlineRevision = at < 0 ? Optional.empty() : Optional.of(model.substring(at + 1));
        if (inlineRevision.isPresent() && revision != null && !revision.equals(inlineRevision.get())) {
            throw new JllmException("two revisions given: " + model + " and --revision " + revision);
        }
        String chosen = inlineRevision.orElse(revision == null ? "main" : revision);
        Path snapshot;
        try (HubClient client = new HubClient(hub.config());
             ProgressBarDownloadListener progress = ProgressBarDownloadListener.forConsole()) {
            snapshot = client.download(repoId, chosen, include, progress);
        }
        spec.commandLine().getOut().println(snapshot);
        spec.commandLine().getOut().flush();
        return 0;
    }
}

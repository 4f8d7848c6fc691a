package ai.jllm.cli;

import ai.jllm.JllmException;
import ai.jllm.backend.Backend;
import ai.jllm.config.GenerationConfig;
import ai.jllm.config.ModelConfig;
import ai.jllm.api.CompletionOutput;
import ai.jllm.api.LLM;
import ai.jllm.api.RequestOutput;
import ai.jllm.engine.RequestHandle;
import ai.jllm.sampling.SamplingParams;
import ai.jllm.template.ChatTemplate;
import ai.jllm.tokenizer.Tokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jllm generate}: the analogue of TensorRT-LLM's run.py. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate text for one or more prompts.",
                "Text output streams the completion of a single prompt to the terminal; with several prompts each "
                        + "completion is printed when it is done, in prompt order. JSON output prints one object per "
                        + "prompt per line: prompt_token_ids, output_token_ids, text, finish_reason (stop|length).",
                "Sampling defaults come from the model's generation_config.json (greedy when it does not sample); "
                        + "any sampling option given here replaces them."})
final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "MODEL", required = true,
            description = "A jllm engine directory (jllm build), a Hugging Face model directory or a hub id "
                    + "(org/name[@revision]), downloaded if not cached.")
    String model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    PromptSource source;

    static final class PromptSource {
        @Option(names = "--prompt", paramLabel = "TEXT", description = "The prompt text.")
        String prompt;

        @Option(names = "--prompt-ids", paramLabel = "IDS", split = ",", description = "The prompt as token ids: 1,2,3.")
        int[] promptIds;

        @Option(names = "--prompts-file", paramLabel = "FILE", description = "A JSON-lines file: {\"prompt\": ...}, "
                + "{\"prompt_token_ids\": [...]} or {\"messages\": [...]} per line.")
        Path promptsFile;
    }

    @Option(names = "--chat", description = "Wrap --prompt as a user message in the model's chat template.")
    boolean chat;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "128", description = "Tokens to generate at most (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--min-tokens", paramLabel = "N", defaultValue = "0", description = "End-of-sequence is suppressed until this many tokens (default: ${DEFAULT-VALUE}).")
    int minTokens;

    @Option(names = "--ignore-eos", description = "Keep generating past end-of-sequence tokens.")
    boolean ignoreEos;

    @Option(names = "--temperature", paramLabel = "T", description = "0 for greedy decoding; higher is more random.")
    Double temperature;

    @Option(names = "--top-k", paramLabel = "K", description = "Sample from the k most likely tokens only.")
    Integer topK;

    @Option(names = "--top-p", paramLabel = "P", description = "Sample from the smallest set of tokens whose probability reaches p.")
    Double topP;

    @Option(names = "--seed", paramLabel = "SEED", description = "Makes sampling repeatable.")
    Long seed;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE}).")
    OutputFormat output;

    @Mixin
    EngineOptions engineOptions;

    @Mixin
    HubOptions hub;

    enum OutputFormat { text, json }

    private final ObjectMapper json = new ObjectMapper();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path modelDir = hub.resolveModel(model);
        ModelConfig.load(modelDir); // an unsupported model fails here, before the prompts are read
        List<PromptInput> prompts = prompts();
        Optional<Tokenizer> tokenizer = Files.isRegularFile(modelDir.resolve("tokenizer.json"))
                ? Optional.of(Tokenizer.load(modelDir)) : Optional.empty();
        if (tokenizer.isEmpty() && (output == OutputFormat.text
                || prompts.stream().anyMatch(p -> !(p instanceof PromptInput.TokenIds)))) {
            throw new JllmException("no tokenizer.json in " + modelDir + "; only --prompt-ids with --output json "
                    + "works without one");
        }
        List<int[]> promptIds = encode(prompts, tokenizer, modelDir);
        SamplingParams params = samplingParams(GenerationConfig.load(modelDir));
        try (Backend backend = engineOptions.backend.create(engineOptions.threads, err);
             LLM llm = LoadProgress.load(modelDir, backend, engineOptions, err)) {
            boolean stream = output == OutputFormat.text && prompts.size() == 1;
            long start = System.nanoTime();
            List<RequestHandle> handles = new ArrayList<>();
            for (int[] ids : promptIds) {
                handles.add(llm.submit(ids, params, stream));
            }
            List<RequestOutput> results = new ArrayList<>();
            if (stream) {
                handles.getFirst().stream().forEachRemaining(delta -> {
                    out.print(delta.outputs().getFirst().text());
                    out.flush();
                });
                out.println();
            }
            for (RequestHandle handle : handles) {
                results.add(handle.result().join());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (!stream) {
                print(prompts, results, out);
            }
            int generated = results.stream().mapToInt(RequestOutput::numGeneratedTokens).sum();
            err.printf("%d tokens generated in %.2f s (%.1f tokens/s)%n", generated, seconds, generated / seconds);
            err.flush();
        }
        return 0;
    }

    private List<PromptInput> prompts() {
        if (source.promptsFile != null) {
            return PromptsFile.read(source.promptsFile, json);
        }
        if (source.promptIds != null) {
            return List.of(new PromptInput.TokenIds(source.promptIds));
        }
        return List.of(chat ? new PromptInput.Messages(ChatMessages.user(source.prompt))
                : new PromptInput.Text(source.prompt));
    }

    private List<int[]> encode(List<PromptInput> prompts, Optional<Tokenizer> tokenizer, Path modelDir) {
        List<int[]> ids = new ArrayList<>(prompts.size());
        ChatTemplate template = null;
        for (PromptInput prompt : prompts) {
            switch (prompt) {
                case PromptInput.TokenIds(int[] tokens) -> ids.add(tokens);
                case PromptInput.Text(String text) -> ids.add(tokenizer.orElseThrow().encode(text, true));
                case PromptInput.Messages(List<Map<String, Object>> messages) -> {
                    if (template == null) {
                        template = ChatTemplate.fromModelDir(modelDir);
                    }
                    // The template writes the special tokens itself.
                    String rendered = template.render(messages, null, true, Map.of());
                    ids.add(tokenizer.orElseThrow().encode(rendered, false));
                }
            }
        }
        return ids;
    }

    private SamplingParams samplingParams(GenerationConfig defaults) {
        SamplingParams.Builder builder = SamplingParams.builder().maxTokens(maxTokens).minTokens(minTokens)
                .ignoreEos(ignoreEos);
        if (temperature == null && topK == null && topP == null) {
            if (!defaults.doSample()) {
                builder.greedy();
            } else {
                builder.temperature(defaults.temperature().orElse(1.0));
                int k = defaults.topK().orElse(50); // transformers samples with top_k 50 when the file is silent
                if (k > 0) {
                    builder.topK(k);
                }
                defaults.topP().ifPresent(builder::topP);
            }
        } else {
            builder.temperature(temperature != null ? temperature : 1.0);
            if (topK != null) {
                builder.topK(topK);
            }
            if (topP != null) {
                builder.topP(topP);
            }
        }
        if (seed != null) {
            builder.seed(seed);
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new JllmException(e.getMessage());
        }
    }

    private void print(List<PromptInput> prompts, List<RequestOutput> results, PrintWriter out) {
        for (int i = 0; i < results.size(); i++) {
            RequestOutput result = results.get(i);
            CompletionOutput completion = result.outputs().getFirst();
            if (output == OutputFormat.json) {
                ObjectNode line = json.createObjectNode();
                prompts.get(i).promptText().ifPresent(prompt -> line.put("prompt", prompt));
                line.set("prompt_token_ids", json.valueToTree(result.promptTokenIds()));
                line.set("output_token_ids", json.valueToTree(completion.tokenIds()));
                if (!completion.text().isEmpty() || completion.tokenIds().length == 0) {
                    line.put("text", completion.text());
                }
                line.put("finish_reason", completion.finishReason().orElseThrow().apiName());
                out.println(line);
            } else {
                if (i > 0) {
                    out.println();
                }
                out.println(completion.text());
            }
        }
        out.flush();
    }
}

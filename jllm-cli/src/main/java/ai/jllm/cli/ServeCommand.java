package ai.jllm.cli;

import ai.jllm.JllmException;
import ai.jllm.api.LLM;
import ai.jllm.backend.Backend;
import ai.jllm.server.AccessLog;
import ai.jllm.server.JllmServer;
import ai.jllm.server.ServerConfig;
import ai.jllm.server.metrics.ServerMetrics;
import ai.jllm.template.ChatTemplate;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jllm serve}: the OpenAI- and Triton-compatible HTTP server, the counterpart of trtllm-serve. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        defaultValueProvider = ServeCommand.ServingDefaults.class,
        description = {"Serve a model over HTTP: the OpenAI API (POST /v1/completions, POST /v1/chat/completions, "
                + "GET /v1/models), Triton's generate extension (POST /v2/models/NAME/generate and "
                + "generate_stream, GET /v2/health/ready), GET /health, /version and Prometheus /metrics.",
                "Requests run together with in-flight batching. Sampling parameters a request leaves out come from "
                        + "the model's generation_config.json (greedy when it does not sample).",
                "SIGTERM or Ctrl-C shuts down gracefully: new connections are refused, running requests finish "
                        + "(up to --shutdown-grace), then the process exits with status 0."})
final class ServeCommand implements Callable<Integer> {

    /**
     * Helidon's startup lines would drown the one line that matters; its warnings and errors still show. Held in a
     * field: java.util.logging forgets the level of a logger nobody references.
     */
    private static final Logger HELIDON_LOG = Logger.getLogger("io.helidon");

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL",
            description = "A Hugging Face model directory, an engine directory or a hub id (org/name[@revision]), "
                    + "downloaded if not cached. May also come from --config.")
    String model;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address to listen on; 0.0.0.0 for every interface (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8000",
            description = "TCP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--served-model-name", paramLabel = "NAME",
            description = "The model name clients send (default: the MODEL argument as given).")
    String servedModelName;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Require 'Authorization: Bearer KEY' on /v1 and the Triton model endpoints (default: "
                    + "$JLLM_API_KEY; prefer the variable, a flag shows in the process list).")
    String apiKey;

    @Option(names = "--chat-template", paramLabel = "FILE",
            description = "A Jinja chat template file used instead of the model's own.")
    Path chatTemplate;

    @Option(names = "--max-queue-size", paramLabel = "N", defaultValue = "1024",
            description = "Requests that may wait for a batch slot; beyond it requests get 429 with Retry-After "
                    + "(default: ${DEFAULT-VALUE}).")
    int maxQueueSize;

    @Option(names = "--max-request-bytes", paramLabel = "BYTES",
            defaultValue = "" + ServerConfig.DEFAULT_MAX_REQUEST_BYTES,
            description = "Larger request bodies are refused with 400 (default: ${DEFAULT-VALUE}).")
    long maxRequestBytes;

    @Option(names = "--shutdown-grace", paramLabel = "SECONDS", defaultValue = "30",
            description = "On SIGTERM, how long running requests may take to finish before they are cancelled "
                    + "(default: ${DEFAULT-VALUE}).")
    int shutdownGraceSeconds;

    @Option(names = "--access-log", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Print one line per HTTP request on standard output (default: on).")
    boolean accessLog;

    @Option(names = "--tp-size", paramLabel = "N", defaultValue = "1",
            description = "Tensor-parallel GPUs; only 1 until tensor parallelism lands (default: ${DEFAULT-VALUE}).")
    int tpSize;

    @Option(names = "--config", paramLabel = "FILE.yaml",
            description = "A YAML file holding these settings by their long names (max_batch_size: 64, ...; "
                    + "TensorRT-LLM's kv_cache_config and scheduler_config sections work too). Flags on the "
                    + "command line win over the file.")
    Path config;

    @Mixin
    EngineOptions engineOptions;

    /** Set on the instance that already holds the --config file's settings. */
    private boolean configApplied;

    @Mixin
    HubOptions hub;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (config != null && !configApplied) {
            return withConfigFile().call();
        }
        if (model == null) {
            throw new JllmException("no model: give MODEL or set 'model' in --config");
        }
        if (tpSize != 1) {
            throw new JllmException("--tp-size " + tpSize + ": tensor parallelism is not supported yet; use 1");
        }
        String templateSource = chatTemplate == null ? null : readTemplate(chatTemplate);
        Path modelDir = hub.resolveModel(model);
        HELIDON_LOG.setLevel(Level.WARNING);
        ServerMetrics metrics = new ServerMetrics();
        Duration grace = Duration.ofSeconds(shutdownGraceSeconds);
        try (Backend backend = engineOptions.backend.create(engineOptions.threads, err);
             LLM llm = LoadProgress.load(modelDir, backend, engineOptions, err, builder -> builder
                     .maxQueueSize(maxQueueSize).statsListener(metrics::onIteration).shutdownGrace(grace))) {
            ServerConfig serverConfig = ServerConfig.builder(servedModelName != null ? servedModelName : model)
                    .host(host).port(port).apiKey(apiKey())
                    .chatTemplate(Optional.ofNullable(templateSource).map(source -> compile(source, llm)))
                    .maxRequestBytes(maxRequestBytes).shutdownGrace(grace)
                    .accessLog(accessLog ? line -> {
                        out.println(line);
                        out.flush();
                    } : AccessLog.NONE)
                    .version(new VersionProvider().getVersion()[0]).build();
            JllmServer server = JllmServer.start(llm, serverConfig, metrics);
            onSignals(server, err);
            err.println("jllm: serving " + modelDir.getFileName() + " as '" + serverConfig.servedModelName()
                    + "' on http://" + host + ":" + server.port() + " (OpenAI /v1, Triton /v2, /metrics)"
                    + (serverConfig.apiKey().isPresent() ? ", API key required" : ""));
            err.flush();
            server.awaitShutdown();
            err.println("jllm: stopped");
            err.flush();
        }
        return 0;
    }

    /**
     * This command again, parsed from the command line plus the file's settings for the options the command line
     * did not give (a fresh instance: picocli does not re-match positional parameters on a second parse).
     */
    private ServeCommand withConfigFile() {
        ParseResult parsed = spec.commandLine().getParseResult();
        // originalArgs() is the whole command line; this command's own arguments follow its name (the top-level
        // command has no options that take a value, so the first "serve" is the subcommand).
        List<String> original = parsed.originalArgs();
        List<String> arguments = new ArrayList<>(original.subList(original.indexOf(spec.name()) + 1,
                original.size()));
        arguments.addAll(ServeConfigFile.arguments(config, spec, name -> name.equals("MODEL")
                ? parsed.hasMatchedPositional(0) : parsed.hasMatchedOption(name)));
        ServeCommand configured = new ServeCommand();
        configured.configApplied = true;
        CommandLine commandLine = new CommandLine(configured);
        commandLine.setOut(spec.commandLine().getOut());
        commandLine.setErr(spec.commandLine().getErr());
        try {
            commandLine.parseArgs(arguments.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new JllmException(config + ": " + e.getMessage(), e);
        }
        return configured;
    }

    private Optional<String> apiKey() {
        if (apiKey != null) {
            return Optional.of(apiKey).filter(key -> !key.isEmpty());
        }
        return Optional.ofNullable(System.getenv("JLLM_API_KEY")).filter(key -> !key.isEmpty());
    }

    private static String readTemplate(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new JllmException("cannot read the chat template " + file + ": " + e.getMessage(), e);
        }
    }

    private ChatTemplate compile(String source, LLM llm) {
        return ChatTemplate.compile(chatTemplate.toString(), source,
                llm.tokenizer().map(tokenizer -> tokenizer.specialTokens()).orElse(Map.of()));
    }

    private static void onSignals(JllmServer server, PrintWriter err) {
        TerminationSignals.onTermination(signal -> {
            err.println("jllm: SIG" + signal + ", finishing running requests (a second signal exits now)");
            err.flush();
            server.shutdown();
        }, () -> {
            err.println("jllm: second signal, exiting without finishing running requests");
            err.flush();
            Runtime.getRuntime().halt(130);
        });
    }

    /** Serving defaults where they differ from the other commands': a server batches many clients. */
    static final class ServingDefaults implements IDefaultValueProvider {
        @Override
        public String defaultValue(ArgSpec argSpec) {
            if (argSpec instanceof OptionSpec option) {
                return switch (option.longestName()) {
                    case "--max-batch-size" -> "64";
                    case "--max-num-tokens" -> "8192";
                    default -> null;
                };
            }
            return null;
        }
    }
}

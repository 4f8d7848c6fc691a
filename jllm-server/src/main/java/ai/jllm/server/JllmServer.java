package ai.jllm.server;

import ai.jllm.JllmException;
import ai.jllm.api.LLM;
import ai.jllm.config.GenerationConfig;
import ai.jllm.server.metrics.ServerMetrics;
import ai.jllm.tokenizer.Tokenizer;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerResponse;
import java.lang.System.Logger.Level;
import java.util.Optional;

/**
 * The HTTP server: OpenAI ({@code /v1/completions}, {@code /v1/chat/completions}, {@code /v1/models}), Triton's
 * generate extension ({@code /v2/models/{name}/generate[_stream]}, {@code /v2/health/ready}) and operations
 * ({@code /health}, {@code /version}, {@code /metrics}) over one {@link LLM}, on Helidon's virtual-thread server.
 * <pre>{@code
 * ServerMetrics metrics = new ServerMetrics();
 * try (LLM llm = LLM.builder().model(dir).backend(backend).statsListener(metrics::onIteration).build();
 *      JllmServer server = JllmServer.start(llm, ServerConfig.builder("my-model").port(8000).build(), metrics)) {
 *     server.awaitShutdown();
 * }
 * }</pre>
 * The server does not own the model: close the LLM after the server.
 */
public final class JllmServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(JllmServer.class.getName());

    /** Deep enough for any real tool schema, shallow enough that no body can exhaust a thread's stack. */
    private static final int MAX_JSON_NESTING = 100;

    private final WebServer webServer;
    private final int port;
    private final ServerConfig config;
    private final Object stopLock = new Object();
    private volatile boolean draining;
    private boolean stopped;

    private JllmServer(LLM llm, ServerConfig config, ServerMetrics metrics) {
        this.config = config;
        Tokenizer tokenizer = llm.tokenizer().orElseThrow(() -> new JllmException("the model directory "
                + llm.modelDir() + " has no tokenizer.json; the server needs one to read prompts and write text"));
        Responses responses = new Responses(jsonMapper());
        Serving serving = new Serving(llm, tokenizer, config,
                new SamplingMapping(GenerationConfig.load(llm.modelDir()), config), metrics, responses,
                new LogprobsFormat(tokenizer, responses.json()));
        CompletionsEndpoint completions = new CompletionsEndpoint(serving);
        ChatCompletionsEndpoint chat = new ChatCompletionsEndpoint(serving);
        ModelsEndpoint models = new ModelsEndpoint(serving);
        TritonEndpoints triton = new TritonEndpoints(serving);
        OperationsEndpoints operations = new OperationsEndpoints(serving, () -> !draining);
        this.webServer = WebServer.builder()
                .host(config.host())
                .port(config.port())
                // The caller decides when to stop (jllm serve on SIGTERM); Helidon's own hook would race it.
                .shutdownHook(false)
                .shutdownGracePeriod(config.shutdownGrace())
                .routing(routing -> {
                    routing.addFilter(new AccessLogFilter(config.accessLog(), metrics));
                    routing.addFilter((chain, request, response) -> {
                        if (draining && !request.path().path().equals("/metrics")) {
                            responses.error(response, OperationsEndpoints.shuttingDown());
                        } else {
                            chain.proceed();
                        }
                    });
                    config.apiKey().ifPresent(key -> routing.addFilter(new ApiKeyFilter(key, responses)));
                    routes(routing, responses, completions, chat, models, triton, operations);
                })
                .build()
                .start();
        this.port = webServer.port();
    }

    /**
     * Starts serving {@code llm} and returns once the port is bound.
     *
     * @param metrics the metrics {@code /metrics} shows; pass the same instance's {@code onIteration} to the LLM
     *                builder's stats listener for the engine-step figures
     */
    public static JllmServer start(LLM llm, ServerConfig config, ServerMetrics metrics) {
        return new JllmServer(llm, config, metrics);
    }

    /** The bound port (the chosen one when the configuration asked for port 0). */
    public int port() {
        return port;
    }

    public ServerConfig config() {
        return config;
    }

    /**
     * Graceful shutdown: stops accepting connections, answers 503 to new requests on open ones, lets running
     * requests finish for up to the configured grace (each waiting phase of the HTTP server takes at most that
     * long), then interrupts what remains, which cancels its generation. Idempotent.
     */
    public void shutdown() {
        synchronized (stopLock) {
            if (stopped) {
                return;
            }
            draining = true;
            LOG.log(Level.DEBUG, "jllm server: shutting down, letting running requests finish (up to {0})",
                    config.shutdownGrace());
            webServer.stop();
            stopped = true;
            stopLock.notifyAll();
        }
    }

    /** Blocks until {@link #shutdown} has completed (from another thread, such as a signal handler). */
    public void awaitShutdown() throws InterruptedException {
        synchronized (stopLock) {
            while (!stopped) {
                stopLock.wait();
            }
        }
    }

    @Override
    public void close() {
        shutdown();
    }

    private static void routes(HttpRouting.Builder routing, Responses responses, CompletionsEndpoint completions,
                               ChatCompletionsEndpoint chat, ModelsEndpoint models, TritonEndpoints triton,
                               OperationsEndpoints operations) {
        routing.post("/v1/completions", guard(responses, completions::handle))
                .post("/v1/chat/completions", guard(responses, chat::handle))
                .get("/v1/models", guard(responses, models::list))
                .get("/v1/models/{model}", guard(responses, models::retrieve))
                .post("/v2/models/{name}/generate", guard(responses, triton::generate))
                .post("/v2/models/{name}/generate_stream", guard(responses, triton::generateStream))
                .get("/v2/models/{name}", guard(responses, triton::metadata))
                .get("/v2/models/{name}/ready", guard(responses, triton::modelReady))
                .get("/v2/health/ready", guard(responses, operations::health))
                .get("/v2/health/live", guard(responses, operations::live))
                .get("/health", guard(responses, operations::health))
                .get("/version", guard(responses, operations::version))
                .get("/metrics", guard(responses, operations::metrics))
                .any(guard(responses, (request, response) -> {
                    throw new ApiException(404, "invalid_request_error", Optional.empty(),
                            Optional.of("not_found"), "no endpoint " + request.prologue().method().text()
                            + " " + ApiException.quote(request.path().path()));
                }));
    }

    /**
     * Answers every failure in OpenAI's error shape: the endpoints' own 4xx, the user's errors the engine found
     * (400), and anything else as a 500 that is logged.
     */
    private static Handler guard(Responses responses, Handler handler) {
        return (request, response) -> {
            try {
                handler.handle(request, response);
            } catch (ApiException e) {
                answer(responses, response, e);
            } catch (JllmException e) {
                answer(responses, response, ErrorBodies.fromSubmit(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                answer(responses, response, OperationsEndpoints.shuttingDown());
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "request " + request.prologue().method().text() + " " + request.path().path()
                        + " failed", e);
                answer(responses, response, ErrorBodies.internal(e));
            }
        };
    }

    private static void answer(Responses responses, ServerResponse response, ApiException error) {
        if (!response.isSent()) {
            responses.error(response, error);
        }
    }

    private static ObjectMapper jsonMapper() {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_JSON_NESTING).build())
                .build();
        return JsonMapper.builder(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    }
}

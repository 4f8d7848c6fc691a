package ai.jllm.server;

import ai.jllm.JllmException;
import ai.jllm.api.LLM;
import ai.jllm.server.metrics.ServerMetrics;
import ai.jllm.template.ChatTemplate;
import ai.jllm.tokenizer.Tokenizer;
import java.util.UUID;

/** What every endpoint works with: the model, its tokenizer, the configuration, the metrics. Passed explicitly. */
record Serving(LLM llm, Tokenizer tokenizer, ServerConfig config, SamplingMapping sampling, ServerMetrics metrics,
               Responses responses, LogprobsFormat logprobs) {

    /** OpenAI's {@code model} field: optional here (the one served model), and a 404 when it names another. */
    void checkModel(Fields request) {
        request.string("model").ifPresent(this::checkModel);
    }

    void checkModel(String model) {
        if (!model.equals(config.servedModelName())) {
            throw ApiException.modelNotFound(model, config.servedModelName());
        }
    }

    /** The --chat-template override, else the model's own; a model without one cannot chat. */
    ChatTemplate chatTemplate() {
        if (config.chatTemplate().isPresent()) {
            return config.chatTemplate().get();
        }
        try {
            return llm.chatTemplate();
        } catch (JllmException e) {
            throw ApiException.badRequest("messages", "the model has no chat template (" + e.getMessage()
                    + "); start the server with --chat-template FILE or use /v1/completions");
        }
    }

    static String newId(String prefix) {
        UUID uuid = UUID.randomUUID();
        return prefix + Long.toHexString(uuid.getMostSignificantBits())
                + Long.toHexString(uuid.getLeastSignificantBits());
    }

    static long nowSeconds() {
        return System.currentTimeMillis() / 1000;
    }
}

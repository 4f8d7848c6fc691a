package ai.jllm.server;

import ai.jllm.api.RequestOutput;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;

/**
 * OpenAI's {@code usage}: every prompt counted once (its samples share it), every generated token of every sample,
 * and the prompt tokens the prefix cache served.
 */
record Usage(int promptTokens, int completionTokens, int cachedTokens) {

    static Usage of(Collection<RequestOutput> results) {
        int prompt = 0;
        int completion = 0;
        int cached = 0;
        for (RequestOutput result : results) {
            prompt += result.promptTokenIds().length;
            completion += result.numGeneratedTokens();
            cached += result.numCachedTokens();
        }
        return new Usage(prompt, completion, cached);
    }

    ObjectNode toJson(ObjectMapper json) {
        ObjectNode usage = json.createObjectNode();
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        usage.putObject("prompt_tokens_details").put("cached_tokens", cachedTokens);
        return usage;
    }
}

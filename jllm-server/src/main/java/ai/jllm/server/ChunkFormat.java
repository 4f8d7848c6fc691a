package ai.jllm.server;

import ai.jllm.api.CompletionOutput;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;

/** How one API frames a stream: what comes first, one chunk per sample delta, and what ends it. */
interface ChunkFormat {

    /** Chunks sent before any token (the assistant role, an echoed prompt). */
    List<JsonNode> opening();

    /** The chunk for new output of one sample of prompt {@code prompt}, or none when there is nothing to say. */
    Optional<JsonNode> delta(int prompt, CompletionOutput output);

    /** The chunk after every sample ended (usage), when the client asked for one. */
    Optional<JsonNode> closing(Usage usage);

    /** Whether the stream ends with OpenAI's {@code data: [DONE]}. */
    boolean endsWithDone();
}

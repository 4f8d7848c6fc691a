package ai.jllm.config;

import ai.jllm.JllmException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * The model author's generation defaults from {@code generation_config.json}. Every field is exactly what the file
 * says: an absent field is empty here, not transformers' library default (for instance transformers samples with
 * {@code top_k = 50} when {@code do_sample} is true and {@code top_k} is absent), so callers decide those themselves.
 *
 * @param eosTokenIds every token that ends generation; the file may give one id or a list
 */
public record GenerationConfig(OptionalInt bosTokenId, List<Integer> eosTokenIds, OptionalInt padTokenId,
        boolean doSample, OptionalDouble temperature, OptionalInt topK, OptionalDouble topP,
        OptionalDouble repetitionPenalty, OptionalInt maxNewTokens) {

    public GenerationConfig {
        Objects.requireNonNull(bosTokenId, "bosTokenId");
        eosTokenIds = List.copyOf(eosTokenIds);
        Objects.requireNonNull(padTokenId, "padTokenId");
        Objects.requireNonNull(temperature, "temperature");
        Objects.requireNonNull(topK, "topK");
        Objects.requireNonNull(topP, "topP");
        Objects.requireNonNull(repetitionPenalty, "repetitionPenalty");
        Objects.requireNonNull(maxNewTokens, "maxNewTokens");
    }

    /**
     * Reads {@code modelDir/generation_config.json}. The special token ids it lacks (or all of them, when the file
     * does not exist) come from {@code config.json}, as transformers does for models saved without a generation config.
     */
    public static GenerationConfig load(Path modelDir) {
        Path generationFile = modelDir.resolve("generation_config.json");
        Path configFile = modelDir.resolve("config.json");
        boolean hasGeneration = Files.isRegularFile(generationFile);
        boolean hasConfig = Files.isRegularFile(configFile);
        if (!hasGeneration && !hasConfig) {
            throw new JllmException("neither generation_config.json nor config.json is in " + modelDir);
        }
        Optional<JsonFields> config = hasConfig
                ? Optional.of(JsonFields.load(configFile, modelDir))
                : Optional.empty();
        JsonFields generation = hasGeneration
                ? JsonFields.load(generationFile, modelDir)
                : config.orElseThrow();
        return new GenerationConfig(
                tokenId(generation, config, "bos_token_id"),
                eosTokenIds(generation, config),
                tokenId(generation, config, "pad_token_id"),
                hasGeneration && generation.booleanOr("do_sample", false),
                hasGeneration ? generation.optionalDouble("temperature") : OptionalDouble.empty(),
                hasGeneration ? generation.optionalInt("top_k") : OptionalInt.empty(),
                hasGeneration ? generation.optionalDouble("top_p") : OptionalDouble.empty(),
                hasGeneration ? generation.optionalDouble("repetition_penalty") : OptionalDouble.empty(),
                hasGeneration ? generation.optionalInt("max_new_tokens") : OptionalInt.empty());
    }

    private static OptionalInt tokenId(JsonFields generation, Optional<JsonFields> config, String field) {
        if (generation.has(field)) {
            return generation.optionalInt(field);
        }
        return config.map(c -> c.optionalInt(field)).orElse(OptionalInt.empty());
    }

    private static List<Integer> eosTokenIds(JsonFields generation, Optional<JsonFields> config) {
        if (generation.has("eos_token_id")) {
            return generation.intOrIntList("eos_token_id");
        }
        return config.map(c -> c.intOrIntList("eos_token_id")).orElse(List.of());
    }
}

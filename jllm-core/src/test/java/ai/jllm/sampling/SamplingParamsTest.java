package ai.jllm.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.OptionalInt;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SamplingParamsTest {

    @Test
    void defaultsAreOpenAisAndSwitchEverythingOff() {
        SamplingParams params = SamplingParams.builder().build();
        assertThat(params.temperature()).isEqualTo(1.0);
        assertThat(params.topK()).isEmpty();
        assertThat(params.topP()).isEqualTo(1.0);
        assertThat(params.minP()).isZero();
        assertThat(params.penalized()).isFalse();
        assertThat(params.maxTokens()).isEqualTo(16);
        assertThat(params.logprobs()).isEmpty();
        assertThat(params.promptLogprobs()).isEmpty();
        assertThat(params.n()).isEqualTo(1);
        assertThat(params.beamSearch()).isFalse();
        assertThat(params.skipSpecialTokens()).isTrue();
        assertThat(params.greedy()).isFalse();
    }

    @Test
    void everyBuilderValueArrivesAndSurvivesToBuilder() {
        SamplingParams params = SamplingParams.builder().temperature(0.7).topK(40).topP(0.9).minP(0.05)
                .repetitionPenalty(1.1).presencePenalty(0.5).frequencyPenalty(-0.5).seed(7).maxTokens(100)
                .minTokens(3).ignoreEos(true).stopTokenIds(List.of(5, 6)).stop(List.of("\n\n", "END"))
                .includeStopStrInOutput(true).badWords(List.of("darn")).logprobs(5).promptLogprobs(0).n(2)
                .beamWidth(4).lengthPenalty(0.8).skipSpecialTokens(false).build();
        assertThat(params.topK()).hasValue(40);
        assertThat(params.seed()).hasValue(7);
        assertThat(params.stop()).containsExactly("\n\n", "END");
        assertThat(params.badWords()).containsExactly("darn");
        assertThat(params.logprobs()).isEqualTo(OptionalInt.of(5));
        assertThat(params.promptLogprobs()).isEqualTo(OptionalInt.of(0));
        assertThat(params.penalized()).isTrue();
        assertThat(params.beamSearch()).isTrue();
        assertThat(params.toBuilder().build()).isEqualTo(params);
        assertThat(params.toBuilder().greedy().build().greedy()).isTrue();
        assertThat(SamplingParams.builder().topK(1).build().greedy()).isTrue();
    }

    static List<Arguments> invalid() {
        return List.of(
                bad("temperature", b -> b.temperature(-1)),
                bad("temperature", b -> b.temperature(Double.POSITIVE_INFINITY)),
                bad("top_k", b -> b.topK(0)),
                bad("top_p", b -> b.topP(0)),
                bad("top_p", b -> b.topP(1.01)),
                bad("min_p", b -> b.minP(-0.1)),
                bad("min_p", b -> b.minP(1.5)),
                bad("repetition_penalty", b -> b.repetitionPenalty(0)),
                bad("repetition_penalty", b -> b.repetitionPenalty(Double.NaN)),
                bad("presence_penalty", b -> b.presencePenalty(2.5)),
                bad("frequency_penalty", b -> b.frequencyPenalty(-3)),
                bad("max_tokens", b -> b.maxTokens(0)),
                bad("min_tokens", b -> b.maxTokens(2).minTokens(3)),
                bad("stop_token_ids", b -> b.stopTokenIds(List.of(3, -1))),
                bad("stop", b -> b.stop(List.of("ok", ""))),
                bad("bad_words", b -> b.badWords(List.of("  "))),
                bad("logprobs", b -> b.logprobs(21)),
                bad("prompt_logprobs", b -> b.promptLogprobs(-1)),
                bad("n", b -> b.n(0)),
                bad("beam_width", b -> b.beamWidth(0)),
                bad("n", b -> b.beamWidth(2).n(3)),
                bad("length_penalty", b -> b.lengthPenalty(Double.NaN)));
    }

    private static Arguments bad(String parameter, UnaryOperator<SamplingParams.Builder> change) {
        return Arguments.of(parameter, change);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void outOfRangeValuesNameTheirRequestParameter(String parameter, UnaryOperator<SamplingParams.Builder> change) {
        assertThatThrownBy(() -> change.apply(SamplingParams.builder()).build())
                .isInstanceOfSatisfying(SamplingParameterException.class,
                        e -> assertThat(e.parameter()).isEqualTo(parameter))
                .hasMessageStartingWith(parameter + " ");
    }
}

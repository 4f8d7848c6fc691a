package ai.jllm.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Answer extraction on completions of the kind models write, and the dataset's own answer lines. */
class Gsm8kAnswersTest {

    @Test
    void theReferenceIsWhatFollowsTheMarker() {
        String answer = "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n"
                + "Natalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72";
        assertThat(Gsm8kAnswers.reference(answer)).contains("72");
        assertThat(Gsm8kAnswers.reference("#### 1,000")).contains("1,000");
        assertThat(Gsm8kAnswers.reference("no marker")).isEmpty();
    }

    @Test
    void strictTakesTheNumberAfterTheMarker() {
        assertThat(Gsm8kAnswers.strict(" She has 5 + 7 = 12 apples.\n#### 12\n\nQuestion: next")).contains("12");
        assertThat(Gsm8kAnswers.strict("#### -3.5 degrees")).contains("-3.5");
        assertThat(Gsm8kAnswers.strict("The answer is 12.")).isEmpty();
        assertThat(Gsm8kAnswers.strict("####12")).isEmpty();
    }

    @Test
    void flexibleTakesTheLastNumber() {
        assertThat(Gsm8kAnswers.flexible("Janet's ducks lay 16 eggs per day. She eats 3 and bakes 4, so she sells "
                + "16 - 3 - 4 = 9 eggs at $2 each, making 9 * 2 = $18.")).contains("$18.");
        assertThat(Gsm8kAnswers.flexible("The total is 1,250 dollars")).contains("1,250");
        assertThat(Gsm8kAnswers.flexible("It takes 2 hours and then 7")).contains("7");
        assertThat(Gsm8kAnswers.flexible("The temperature drops to -4")).contains("-4");
        assertThat(Gsm8kAnswers.flexible("no digits at all")).isEmpty();
    }

    @Test
    void matchingComparesValues() {
        assertThat(Gsm8kAnswers.matches(Optional.of("$18."), "18")).isTrue();
        assertThat(Gsm8kAnswers.matches(Optional.of("1,250"), "1250")).isTrue();
        assertThat(Gsm8kAnswers.matches(Optional.of("18.00"), "18")).isTrue();
        assertThat(Gsm8kAnswers.matches(Optional.of("-4"), "-4")).isTrue();
        assertThat(Gsm8kAnswers.matches(Optional.of("17"), "18")).isFalse();
        assertThat(Gsm8kAnswers.matches(Optional.of("1.8"), "18")).isFalse();
        assertThat(Gsm8kAnswers.matches(Optional.empty(), "18")).isFalse();
    }

    @Test
    void aWholeCompletionEndToEnd() {
        String completion = " Weng earns 12/60 = $<<12/60=0.2>>0.2 per minute.\n"
                + "Working 50 minutes, she earned 0.2 x 50 = $<<0.2*50=10>>10.\n#### 10";
        assertThat(Gsm8kAnswers.matches(Gsm8kAnswers.strict(completion), "10")).isTrue();
        assertThat(Gsm8kAnswers.matches(Gsm8kAnswers.flexible(completion), "10")).isTrue();
        String rambling = " She earns $10 in total. The answer is 10 dollars, or 1000 cents";
        assertThat(Gsm8kAnswers.matches(Gsm8kAnswers.strict(rambling), "10")).isFalse();
        assertThat(Gsm8kAnswers.matches(Gsm8kAnswers.flexible(rambling), "10")).isFalse();
    }
}

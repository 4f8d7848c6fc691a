package ai.jllm.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MMLU's files, prompt and choice scoring. */
class MmluTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @Test
    void csvAsPythonReadsIt() {
        assertThat(Csv.parse("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\nlast,,\n"))
                .containsExactly(List.of("a", "b", "c"), List.of("x, y", "say \"hi\"", "two\nlines"),
                        List.of("last", "", ""));
        assertThat(Csv.parse("no,final,newline")).containsExactly(List.of("no", "final", "newline"));
        assertThat(Csv.parse("\"\",x\n")).containsExactly(List.of("", "x"));
        assertThatThrownBy(() -> Csv.parse("ok\n\"open")).hasMessageContaining("record 2");
    }

    @Test
    void thePromptIsMmluEvaluatePys() {
        MmluQuestion example = new MmluQuestion("college_physics", "What is 2 + 2?", List.of("3", "4", "5", "22"), 1);
        MmluQuestion question = new MmluQuestion("college_physics", "Which force binds nuclei?",
                List.of("Gravity", "Electromagnetism", "Strong force", "Weak force"), 2);
        assertThat(question.prompt(List.of(example))).isEqualTo("""
                The following are multiple choice questions (with answers) about college physics.

                What is 2 + 2?
                A. 3
                B. 4
                C. 5
                D. 22
                Answer: B

                Which force binds nuclei?
                A. Gravity
                B. Electromagnetism
                C. Strong force
                D. Weak force
                Answer:""");
        assertThat(question.prompt(List.of())).startsWith("The following are multiple choice questions (with "
                + "answers) about college physics.\n\nWhich force");
    }

    @Test
    void theMostLikelyLetterIsChosenAndTheFirstWinsATie() {
        // log-likelihoods of " A" ... " D" after the prompt
        assertThat(MmluQuestion.choose(new double[] {-2.3, -0.7, -1.6, -4.0})).isEqualTo(1);
        assertThat(MmluQuestion.choose(new double[] {-9.1, -9.3, -9.2, -8.95})).isEqualTo(3);
        assertThat(MmluQuestion.choose(new double[] {-1, -1, -2, -3})).isZero();
    }

    @Test
    void theOriginalLayoutWithDevExamples() throws IOException {
        Files.createDirectories(temp.resolve("data/test"));
        Files.createDirectories(temp.resolve("data/dev"));
        Files.writeString(temp.resolve("data/test/astronomy_test.csv"),
                "\"Which planet has the most visible rings?\",Mars,Jupiter,Saturn,Neptune,C\n"
                        + "What is the closest star?,Proxima Centauri,The Sun,Sirius,Vega,B\n");
        Files.writeString(temp.resolve("data/test/anatomy_test.csv"), "Bones in an adult?,206,300,150,100,A\n");
        Files.writeString(temp.resolve("data/dev/astronomy_dev.csv"), "Planets?,7,8,9,10,B\n");
        List<MmluQuestion> questions = MmluData.test(temp.resolve("data"), JSON);
        assertThat(questions).extracting(MmluQuestion::subject).containsExactly("anatomy", "astronomy", "astronomy");
        assertThat(questions.get(1)).isEqualTo(new MmluQuestion("astronomy",
                "Which planet has the most visible rings?", List.of("Mars", "Jupiter", "Saturn", "Neptune"), 2));
        assertThat(MmluData.dev(temp.resolve("data"), "astronomy")).singleElement()
                .extracting(MmluQuestion::answer).isEqualTo(1);
        assertThat(MmluData.dev(temp.resolve("data"), "anatomy")).isEmpty();
        // One subject file on its own; its dev file is found beside test/.
        assertThat(MmluData.test(temp.resolve("data/test/astronomy_test.csv"), JSON)).hasSize(2);
        assertThat(MmluData.dev(temp.resolve("data/test/astronomy_test.csv"), "astronomy")).hasSize(1);
    }

    @Test
    void jsonLinesAsTheHubRowsExport() throws IOException {
        Path file = temp.resolve("mmlu.jsonl");
        Files.writeString(file, """
                {"question": "Q1?", "subject": "virology", "choices": ["a", "b", "c", "d"], "answer": 3}
                {"question": "Q2?", "subject": "virology", "choices": ["a", "b", "c", "d"], "answer": "A"}
                """);
        assertThat(MmluData.test(file, JSON)).extracting(MmluQuestion::answer).containsExactly(3, 0);
    }

    @Test
    void badFilesNameTheRecord() throws IOException {
        Path file = temp.resolve("bad_test.csv");
        Files.writeString(file, "Q?,a,b,c,d,B\nQ2?,a,b,c,d,E\n");
        assertThatThrownBy(() -> MmluData.test(file, JSON)).isInstanceOf(JllmException.class)
                .hasMessageContaining("bad_test.csv record 2").hasMessageContaining("'E'");
        Files.writeString(file, "Q?,a,b,B\nshort\n");
        assertThatThrownBy(() -> MmluData.test(file, JSON)).hasMessageContaining("record 2");
        assertThatThrownBy(() -> MmluData.test(temp.resolve("missing"), JSON)).isInstanceOf(JllmException.class);
    }
}

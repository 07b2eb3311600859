package io.github.xlsnap.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The README's embedding sample is the code the build compiles, line for line. */
class ReadmeSampleTest {

  @Test
  void readmeSampleMatchesEmbeddingExample() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    String sample = between(readme, "<!-- embedding:begin -->\n```java\n", "```\n<!-- embedding:end -->");
    String source = Files.readString(Path.of("src/main/java/io/github/xlsnap/examples/EmbeddingExample.java"));
    String code = between(source, "// README:begin\n", "    // README:end");
    assertThat(sample).isEqualTo(dedent(code));
  }

  private static String between(String text, String begin, String end) {
    int from = text.indexOf(begin);
    int to = text.indexOf(end, from);
    assertThat(from).as("marker %s", begin).isNotNegative();
    assertThat(to).as("marker %s", end).isNotNegative();
    return text.substring(from + begin.length(), to);
  }

  private static String dedent(String code) {
    List<String> lines = Arrays.asList(code.split("\n", -1));
    return lines.stream().map(l -> l.startsWith("    ") ? l.substring(4) : l).collect(Collectors.joining("\n"));
  }
}

package io.github.xlsnap.core.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

  @Test
  void readsNestedValuesInOrder() throws Exception {
    Object value = Json.parse(
        " {\"b\": [1, -2.5e3, 0, true, false, null], \"a\": {}, \"c\": [], \"d\": \"x\"}\n");

    assertThat(value).isInstanceOf(Map.class);
    Map<?, ?> object = (Map<?, ?>) value;
    assertThat(List.copyOf(object.keySet())).isEqualTo(List.of("b", "a", "c", "d"));
    assertThat(object.get("b")).isEqualTo(List.of(new BigDecimal("1"),
        new BigDecimal("-2.5e3"), new BigDecimal("0"), true, false, Json.NULL));
    assertThat(object.get("a")).isEqualTo(Map.of());
    assertThat(object.get("c")).isEqualTo(List.of());
    assertThat(object.get("d")).isEqualTo("x");
  }

  @Test
  void readsEveryEscape() throws Exception {
    // qemu writes non-ASCII characters as \\u escapes with upper-case hex digits.
    String json = "\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00FC\\u00f1 \\uD83D\\uDE00\"";

    assertThat(Json.parse(json)).isEqualTo("q\" b\\ s/ \b\f\n\r\t üñ \uD83D\uDE00");
  }

  @Test
  void readsNumbersBeyondLong() throws Exception {
    assertThat(Json.parse("123456789012345678901234567890"))
        .isEqualTo(new BigDecimal("123456789012345678901234567890"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{'a':1}", "01", "-", "1.",
      "1e", "+1", ".5", "tru", "nul", "\"abc", "\"a\tb\"", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"",
      "{\"a\":1,\"a\":2}", "{} {}", "[1] x", "/* c */ 1", "NaN", "\"\\u０１２３\""})
  void rejectsWhatTheRfcDoesNotAllow(String text) {
    assertThatThrownBy(() -> Json.parse(text))
        .isInstanceOf(UnexpectedOutputException.class)
        .hasMessageStartingWith("invalid JSON: ");
  }

  @Test
  void rejectsNestingTooDeepForTheStack() {
    String deep = "[".repeat(100_000) + "]".repeat(100_000);

    assertThatThrownBy(() -> Json.parse(deep))
        .isInstanceOf(UnexpectedOutputException.class)
        .hasMessageContaining("nested deeper");
  }
}

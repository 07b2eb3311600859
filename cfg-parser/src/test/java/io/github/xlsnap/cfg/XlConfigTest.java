package io.github.xlsnap.cfg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class XlConfigTest {
  private static XlConfig parse(String text) {
    return XlConfig.parse(text, "t.cfg");
  }

  private static ConfigSyntaxException syntaxError(String text) {
    try {
      parse(text);
    } catch (ConfigSyntaxException e) {
      return e;
    }
    throw new AssertionError("accepted: " + text);
  }

  @Test
  void readsAtomsListsAndNumbersAsWritten() {
    XlConfig c = parse("name = \"vm\"\nmemory = 0x200\nv=[ 'a',\n  ['b', 1], ]\n# comment\nx='last'");
    assertThat(c.getString("name")).contains("vm");
    assertThat(c.getString("memory")).contains("0x200");
    assertThat(c.getLong("memory")).hasValue(512);
    assertThat(c.getList("v").orElseThrow()).hasSize(2);
    assertThat(c.get("v").orElseThrow()).isInstanceOf(ConfigValue.ListValue.class);
    assertThat(c.getString("x")).contains("last");
    assertThat(c.positionOf("x").orElseThrow()).isEqualTo(new SourcePosition(6, 1));
    assertThat(c.text()).contains("# comment");
  }

  @Test
  void lastAssignmentWinsAndPlusEqualsConcatenatesOrAppends() {
    XlConfig c = parse("a='x'\na+='y'\nl=[1]\nl+=[2]\nb=1\nb=2\n");
    assertThat(c.getString("a")).contains("xy");
    assertThat(c.getStringList("l").orElseThrow()).containsExactly("1", "2");
    assertThat(c.getLong("b")).hasValue(2);
  }

  @Test
  void mixingListAndStringWithPlusEqualsIsASyntaxError() {
    ConfigSyntaxException e = syntaxError("a=[1]\na+='x'\n");
    assertThat(e.line()).isEqualTo(2);
    assertThat(e.getMessage()).contains("cannot mix a list and a string");
  }

  @Test
  void uppercaseKeySaysKeysAreLowercase() {
    ConfigSyntaxException e = syntaxError("memory=1\nName=\"x\"\n");
    assertThat(e.source()).isEqualTo("t.cfg");
    assertThat(e.line()).isEqualTo(2);
    assertThat(e.column()).isEqualTo(1);
    assertThat(e.hint()).contains("keys are lowercase").contains("'name'");
  }

  @Test
  void bareNegativeNumberSaysToQuoteIt() {
    ConfigSyntaxException e = syntaxError("a = -1\n");
    assertThat(e.column()).isEqualTo(5);
    assertThat(e.hint()).contains("quoted").contains("'-1'");
  }

  @Test
  void newlineInStringSaysWhereTheStringBegan() {
    ConfigSyntaxException e = syntaxError("a=1\nb = \"abc\ndef\"\n");
    assertThat(e.line()).isEqualTo(2);
    assertThat(e.found()).isEqualTo("end of line");
    assertThat(e.hint()).contains("began at 2:5");
  }

  @Test
  void messageNamesFileLineColumnExpectedAndFound() {
    ConfigSyntaxException e = syntaxError("a = [1 2]\n");
    assertThat(e.getMessage()).startsWith("t.cfg:1:8: expected ',' or ']', found '2'");
  }

  @Test
  void rejectsWhatLibxlutilRejects() {
    for (String bad : List.of("a=10m\n", "a=[,]\n", "a=\n", "a=1 b=2\n", "#c", "a=1 #c", "a=\\\n1\n", "a=1\r\n",
        "a='\\x41'\n", "a='\\0'\n", "a='\\q'\n", "_a=1\n", "0a=1\n", "a=0x1F\n", "a=[1\n", "a=1]\n", "a\n")) {
      assertThatThrownBy(() -> parse(bad)).as(bad).isInstanceOf(ConfigSyntaxException.class);
    }
  }

  @Test
  void octalEscapeIsDroppedLikeLibxlutil() {
    assertThat(parse("a='A\\101B'\n").getString("a")).contains("AB");
    assertThat(parse("a='\\1 1X'\n").getString("a")).contains("X");
    assertThatThrownBy(() -> parse("a='\\10X'\n")).isInstanceOf(ConfigSyntaxException.class)
        .hasMessageContaining("octal");
  }

  @Test
  void deepNestingIsATypedErrorNotAStackOverflow() {
    String deep = "a=" + "[".repeat(100_000) + "]".repeat(100_000) + "\n";
    assertThatThrownBy(() -> parse(deep)).isInstanceOf(ConfigSyntaxException.class).hasMessageContaining("nested");
    assertThat(parse("a=" + "[".repeat(500) + "]".repeat(500) + "\n").keys()).containsExactly("a");
  }

  @Test
  void typedAccessorsNameKeyAndLine() {
    XlConfig c = parse("x=1\nl=['a']\nn='12k'\n");
    assertThatThrownBy(() -> c.getString("l")).isInstanceOf(ConfigValueException.class)
        .hasMessageStartingWith("t.cfg:2:3: l: is a list");
    assertThatThrownBy(() -> c.getLong("n")).isInstanceOf(ConfigValueException.class)
        .hasMessageStartingWith("t.cfg:3:3: n: '12k' is not a number");
    assertThatThrownBy(() -> c.getList("x")).isInstanceOf(ConfigValueException.class);
    assertThat(c.getBoolean("x")).contains(true);
    assertThat(c.getString("absent")).isEmpty();
  }

  @Test
  void getLongFollowsStrtol() {
    XlConfig c = parse("a=010\nb='-5'\nc=09\nd=99999999999999999999\n");
    assertThat(c.getLong("a")).hasValue(8);
    assertThat(c.getLong("b")).hasValue(-5);
    assertThatThrownBy(() -> c.getLong("c")).isInstanceOf(ConfigValueException.class);
    assertThatThrownBy(() -> c.getLong("d")).hasMessageContaining("out of range");
  }

  @Test
  void writerOutputParsesBackToTheSameValues() {
    XlConfig c = parse("a = 'it\"s \\\\ \\n'\nb = 0x10\nl = [[], ['x', 1], 'y']\n");
    XlConfig back = parse(c.toString());
    assertThat(back.values()).isEqualTo(c.values());
    assertThat(c.toString()).contains("b = 0x10");
  }

  @Test
  void aFinalByteInsideAnUnterminatedStringIsNotDroppedAsStray() {
    // libxlutil drops a stray final byte ('a=1 B'), but 'B' here belongs to the string '"B'
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> XlConfig.parse("\n\"B", "t.cfg"))
        .isInstanceOf(ConfigSyntaxException.class);
    org.assertj.core.api.Assertions.assertThat(XlConfig.parse("a=1 B", "t.cfg").keys()).containsExactly("a");
  }
}

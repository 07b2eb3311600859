package io.github.xlsnap.cfg;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A value in an xl configuration: an {@link Atom} (a quoted string or a number, both kept as text,
 * as libxlutil keeps them) or a {@link ListValue} of values, which may nest. Immutable and
 * thread-safe. Equality ignores positions: two values are equal when libxlutil would return the same
 * strings and lists for them.
 */
public sealed interface ConfigValue permits ConfigValue.Atom, ConfigValue.ListValue {
  /**
   * Returns where the value starts.
   *
   * @return the position of its first character
   */
  SourcePosition position();

  /**
   * A string or number.
   *
   * @param text the value as {@code xlu_cfg_get_string} returns it: a string with its escapes
   *     resolved, a number exactly as written ({@code 0x200} stays {@code 0x200})
   * @param number whether it was written as a bare number
   * @param position where it starts
   */
  record Atom(String text, boolean number, SourcePosition position) implements ConfigValue {
    /**
     * Checks the components.
     *
     * @param text the value
     * @param number whether it was a bare number
     * @param position where it starts
     */
    public Atom {
      requireNonNull(text, "text");
      requireNonNull(position, "position");
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Atom a && a.text.equals(text);
    }

    @Override
    public int hashCode() {
      return text.hashCode();
    }
  }

  /**
   * A list, possibly empty, possibly holding lists.
   *
   * @param items the items in order
   * @param position where its {@code [} is
   */
  record ListValue(List<ConfigValue> items, SourcePosition position) implements ConfigValue {
    /**
     * Checks the components and copies the items.
     *
     * @param items the items
     * @param position where it starts
     */
    public ListValue {
      items = List.copyOf(items);
      requireNonNull(position, "position");
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof ListValue l && l.items.equals(items);
    }

    @Override
    public int hashCode() {
      return items.hashCode();
    }
  }
}

// "?" opens the keyboard-shortcut sheet, unless the person is typing: in a field, a text area
// (Monaco's own input is one) or anything editable, "?" is a character like any other.
import { useEffect, useRef } from "react";

function typing(target) {
  return (
    !!target &&
    (target.isContentEditable ||
      /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) ||
      !!(target.closest && target.closest(".monaco-editor")))
  );
}

export function QuestionMarkKey({ onPress }) {
  const latest = useRef(onPress);
  latest.current = onPress;
  useEffect(() => {
    function onKey(e) {
      if (e.key !== "?" || e.ctrlKey || e.metaKey || e.altKey || e.repeat || typing(e.target)) return;
      e.preventDefault();
      if (latest.current) latest.current();
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  return null;
}

import { useEffect, useState } from "preact/hooks";

/**
 * QR draws text as a QR code in SVG elements (no data: URL, no innerHTML).
 * The encoder (@paulmillr/qr) loads only when a QR is shown, so it costs the
 * other pages nothing.
 */
export function QR({ text, label }: { text: string; label: string }) {
  const [m, setM] = useState<boolean[][] | null>(null);
  useEffect(() => {
    let live = true;
    import("@paulmillr/qr").then(({ encodeQR }) => live && setM(encodeQR(text, "raw", { ecc: "medium", border: 4 })));
    return () => {
      live = false;
    };
  }, [text]);
  if (!m) return null;
  let d = "";
  m.forEach((row, y) => row.forEach((on, x) => {
    if (on) d += `M${x} ${y}h1v1h-1z`;
  }));
  return (
    <svg class="qr" role="img" aria-label={label} viewBox={`0 0 ${m.length} ${m.length}`} shape-rendering="crispEdges" data-testid="qr">
      <rect width={m.length} height={m.length} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}

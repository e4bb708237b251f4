import { useEffect, useState } from "preact/hooks";

/**
 * QR draws text as a QR code in SVG elements (no data: URL, no innerHTML).
 * The encoder (@paulmillr/qr) loads only when a QR is shown, so it costs the
 * other pages nothing.
 */
export function QR({ text, label, tooLong }: { text: string; label: string; tooLong?: string }) {
  const [m, setM] = useState<boolean[][] | null>(null);
  const [overflow, setOverflow] = useState(false);
  useEffect(() => {
    let live = true;
    setOverflow(false);
    // Low error correction: these codes are read off a screen, not worn
    // paper, and it leaves room for a card's proof (about 2,400 characters
    // with one validator) that medium does not.
    import("@paulmillr/qr").then(({ encodeQR }) => {
      if (!live) return;
      try {
        setM(encodeQR(text, "raw", { ecc: "low", border: 4 }));
      } catch {
        setM(null);
        setOverflow(true); // more than a QR code holds
      }
    });
    return () => {
      live = false;
    };
  }, [text]);
  if (overflow) return tooLong ? <p class="meta" data-testid="qr-too-long">{tooLong}</p> : null;
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

import type { ReactNode } from "react";

export const metadata = { title: "GPT Image 2 · gpt-image-edge on Next.js" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}

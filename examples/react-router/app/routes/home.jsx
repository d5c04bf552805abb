export default function Home() {
  return (
    <main>
      <h1>gpt-image-edge with React Router</h1>
      <p>The route: <code>POST /api/images/generate</code>, then <code>GET /api/images/jobs/TOKEN</code>.</p>
    </main>
  );
}

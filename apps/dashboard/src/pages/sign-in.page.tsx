import { useState } from 'preact/hooks';

export function SignInPage({ onSignIn, error }: { onSignIn(token: string): void; error: string | null }) {
  const [token, setToken] = useState('');
  return (
    <div class="signin">
      <form
        class="card signin-card"
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) onSignIn(token.trim());
        }}
      >
        <h1>Trainyard</h1>
        <p class="muted">Train the course's networks on the class GPU servers and watch them learn.</p>
        <label for="token">Your token</label>
        <input id="token" name="token" type="password" autoComplete="current-password" value={token} onInput={(e) => setToken(e.currentTarget.value)} placeholder="from your TA" autoFocus />
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={!token.trim()}>
          Sign in
        </button>
        <p class="hint">The token stays in this browser (local storage) until you sign out.</p>
      </form>
    </div>
  );
}

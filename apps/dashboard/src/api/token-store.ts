const KEY = 'trainyard.token';

// localStorage: the token survives a reload and is shared by the dashboard's tabs.
export const loadToken = (): string | null => localStorage.getItem(KEY);
export const saveToken = (token: string) => localStorage.setItem(KEY, token);
export const clearToken = () => localStorage.removeItem(KEY);

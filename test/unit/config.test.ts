import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../functions/config/config.ts';
import { ConfigError } from '../../functions/core/errors.ts';

describe('loadConfig', () => {
  it('needs no setting at all locally but the token secret', () => {
    const config = loadConfig({ TOKEN_SECRET: 'x'.repeat(32) }, 'local');

    expect(config.siteUrl).toBe('http://localhost:3000');
    expect(config.tables.articles).toBe('immuno-digest-articles');
    expect(config.digest).toEqual({
      maxPerTopic: 5,
      maxArticles: 25,
      firstWindowDays: 7,
      recipientsPerJob: 50,
    });
  });

  it('names every missing deployment setting in the cloud', () => {
    expect(() => loadConfig({}, 'cloud')).toThrow(ConfigError);
    try {
      loadConfig({}, 'cloud');
    } catch (error) {
      const message = (error as Error).message;
      for (const name of [
        'SITE_URL',
        'MAIL_FROM',
        'POSTAL_ADDRESS',
        'ARTICLES_TABLE',
        'SEND_QUEUE_NAME',
        'TOKEN_SECRET',
      ]) {
        expect(message).toContain(name);
      }
    }
  });

  it('names a bad value and shows what it got', () => {
    expect(() =>
      loadConfig(
        { TOKEN_SECRET: 'x'.repeat(32), SITE_URL: 'localhost:3000', DIGEST_SCHEDULE: 'every hour' },
        'local',
      ),
    ).toThrow(/SITE_URL .*got "localhost:3000"[\s\S]*DIGEST_SCHEDULE must be a 5-field cron pattern/);
  });

  it('refuses a digest cap below the number of topics: every chosen topic must be able to have a section', () => {
    expect(() => loadConfig({ TOKEN_SECRET: 'x'.repeat(32), DIGEST_MAX_ARTICLES: '11' }, 'local')).toThrow(
      /DIGEST_MAX_ARTICLES must be at least 12, the number of topics/,
    );
    expect(
      loadConfig({ TOKEN_SECRET: 'x'.repeat(32), DIGEST_MAX_ARTICLES: '12' }, 'local').digest.maxArticles,
    ).toBe(12);
  });

  it('treats an empty variable as unset', () => {
    const config = loadConfig({ TOKEN_SECRET: 'x'.repeat(32), SITE_URL: '  ' }, 'local');

    expect(config.siteUrl).toBe('http://localhost:3000');
  });

  it('drops a trailing slash from the site URL so links never have "//"', () => {
    expect(
      loadConfig({ TOKEN_SECRET: 'x'.repeat(32), SITE_URL: 'https://digest.example.org/' }, 'local').siteUrl,
    ).toBe('https://digest.example.org');
  });
});

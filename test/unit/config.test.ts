import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_ITEMS } from '../../functions/core/ingest/feed-parser.ts';
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
      maxArticleAgeDays: 60,
      recipientsPerJob: 50,
    });
  });

  it('reads the site’s articles where the app serves them, unless ARTICLES_BASE_URL names another place', () => {
    const secret = { TOKEN_SECRET: 'x'.repeat(32) };

    expect(loadConfig({ ...secret, SITE_URL: 'http://localhost:3220' }, 'local').articlesBaseUrl).toBe(
      'http://localhost:3220/articles',
    );
    expect(
      loadConfig({ ...secret, ARTICLES_BASE_URL: 'https://www.example-site.org/learn/' }, 'local')
        .articlesBaseUrl,
    ).toBe('https://www.example-site.org/learn');
    expect(() => loadConfig({ ...secret, ARTICLES_BASE_URL: '/articles' }, 'local')).toThrow(
      /ARTICLES_BASE_URL must be an absolute URL \(got "\/articles"\)/,
    );
  });

  it('names a bad article age limit', () => {
    expect(() =>
      loadConfig({ TOKEN_SECRET: 'x'.repeat(32), DIGEST_MAX_ARTICLE_AGE_DAYS: '0' }, 'local'),
    ).toThrow(/DIGEST_MAX_ARTICLE_AGE_DAYS .*got "0"/);
    expect(
      loadConfig({ TOKEN_SECRET: 'x'.repeat(32), DIGEST_MAX_ARTICLE_AGE_DAYS: '365' }, 'local').digest
        .maxArticleAgeDays,
    ).toBe(365);
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

  it('caps the items of a feed at the parser’s default unless FEED_MAX_ITEMS says otherwise', () => {
    const secret = { TOKEN_SECRET: 'x'.repeat(32) };

    expect(loadConfig(secret, 'local').fetch.maxItems).toBe(DEFAULT_MAX_ITEMS);
    expect(loadConfig({ ...secret, FEED_MAX_ITEMS: '200' }, 'local').fetch.maxItems).toBe(200);
    expect(() => loadConfig({ ...secret, FEED_MAX_ITEMS: '0' }, 'local')).toThrow(/FEED_MAX_ITEMS/);
  });

  it('refuses a sender name holding an invisible direction control', () => {
    expect(() =>
      loadConfig(
        { TOKEN_SECRET: 'x'.repeat(32), MAIL_FROM: 'Digest \u202eofni <digest@example.org>' },
        'local',
      ),
    ).toThrow(/MAIL_FROM must not hold invisible direction controls/);
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

describe('loadConfig: the timer of scheduled sends', () => {
  const base = { TOKEN_SECRET: 'x'.repeat(32) };
  const schedules = {
    SEND_SCHEDULE_GROUP: 'immuno-digest-sends',
    SEND_SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/immuno-digest-send-scheduler',
    SEND_QUEUE_ARN: 'arn:aws:sqs:eu-west-1:123456789012:immuno-digest-send',
  };

  it('reads the schedule group, the role Scheduler assumes and the queue it targets', () => {
    expect(loadConfig({ ...base, ...schedules }, 'local').sendSchedules).toEqual({
      group: 'immuno-digest-sends',
      roleArn: 'arn:aws:iam::123456789012:role/immuno-digest-send-scheduler',
      queueArn: 'arn:aws:sqs:eu-west-1:123456789012:immuno-digest-send',
    });
    expect(loadConfig(base, 'local').sendSchedules).toBeUndefined();
  });

  it('names the missing ones when only some are set', () => {
    expect(() => loadConfig({ ...base, SEND_SCHEDULE_GROUP: 'immuno-digest-sends' }, 'local')).toThrow(
      'SEND_SCHEDULER_ROLE_ARN and SEND_QUEUE_ARN must be set with SEND_SCHEDULE_GROUP',
    );
  });

  it('refuses a group name Scheduler would refuse, and ARNs of the wrong kind', () => {
    expect(() => loadConfig({ ...base, ...schedules, SEND_SCHEDULE_GROUP: 'sends/2027' }, 'local')).toThrow(
      'SEND_SCHEDULE_GROUP must be a schedule group name',
    );
    expect(() =>
      loadConfig({ ...base, ...schedules, SEND_SCHEDULER_ROLE_ARN: schedules.SEND_QUEUE_ARN }, 'local'),
    ).toThrow('SEND_SCHEDULER_ROLE_ARN must be an IAM role ARN');
    expect(() =>
      loadConfig({ ...base, ...schedules, SEND_QUEUE_ARN: schedules.SEND_SCHEDULER_ROLE_ARN }, 'local'),
    ).toThrow('SEND_QUEUE_ARN must be an SQS queue ARN');
  });
});

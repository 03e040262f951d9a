import path from 'path';

// SQLite in playground/.tmp. From dist/config after the TypeScript build, the app root is two levels up.
export default ({ env }) => ({
  connection: {
    client: 'sqlite',
    connection: { filename: path.join(__dirname, '..', '..', env('DATABASE_FILENAME', '.tmp/data.db')) },
    useNullAsDefault: true,
  },
});

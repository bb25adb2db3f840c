using Candor.Server.Cli;

return await CandorCli.RunAsync(args).ConfigureAwait(false);

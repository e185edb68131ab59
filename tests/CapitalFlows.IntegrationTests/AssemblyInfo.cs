global using Xunit;
using CapitalFlows.IntegrationTests.Infrastructure;

[assembly: AssemblyFixture(typeof(ServiceFixture))]

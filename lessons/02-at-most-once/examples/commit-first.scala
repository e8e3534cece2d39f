// At-most-once on the consumer side: commit the batch, then process it (the Scala twin of commit-first.py).
//
// Step 1 fills the topic with 200 payments. Step 2 is a consumer that commits each batch *before*
// processing it, and crashes right after one of those commits. Step 3 restarts it in the same
// group: it resumes from the committed offset. The crash is simulated: the first instance stops
// without processing the batch it has just committed and closes its consumer; with
// enable.auto.commit=false, close() commits nothing.
import java.time.Duration
import java.util.Properties
import scala.jdk.CollectionConverters.*
import scala.util.Using
import org.apache.kafka.clients.consumer.{ConsumerConfig, KafkaConsumer}
import org.apache.kafka.clients.producer.{KafkaProducer, ProducerConfig, ProducerRecord, RecordMetadata}
import org.apache.kafka.common.TopicPartition
import org.apache.kafka.common.serialization.{StringDeserializer, StringSerializer}

object CommitFirst:
  val Bootstrap = sys.env("BOOTSTRAP_SERVERS")
  val Topic = "payments"
  val Count = 200
  val CrashOn = "payment-100"   // the first instance dies in the batch holding this payment
  val IdleMillis = 3000L        // a consumer stops once the topic has been quiet this long

  def fillTopic(): Unit =
    val config = Properties()
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Bootstrap)
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, classOf[StringSerializer].getName)
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, classOf[StringSerializer].getName)
    Using.resource(KafkaProducer[String, String](config)) { producer =>
      for i <- 1 to Count do
        val paymentId = s"payment-$i"
        println(s"sent $paymentId")
        producer.send(ProducerRecord(Topic, paymentId), (metadata: RecordMetadata, error: Exception) =>
          if error != null then println(s"failed $paymentId ${error.getClass.getSimpleName}")
          else println(s"acked $paymentId ${metadata.partition} ${metadata.offset}"))
      producer.flush()
    }

  def runConsumer(crashOn: Option[String] = None): Unit =
    val config = Properties()
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, Bootstrap)
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "billing")
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false")   // we commit ourselves ...
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "20")        // batches of at most 20, as in the Python twin
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, classOf[StringDeserializer].getName)
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, classOf[StringDeserializer].getName)
    Using.resource(KafkaConsumer[String, String](config)) { consumer =>
      // One partition, owned by this instance: assign() it directly instead of subscribe(), so the
      // example never waits for a group rebalance. Offsets are still committed to the group.
      consumer.assign(List(TopicPartition(Topic, 0)).asJava)
      var deadline = System.currentTimeMillis() + 10000   // the first fetch can take a moment
      var crashed = false
      while !crashed && System.currentTimeMillis() < deadline do
        val ids = consumer.poll(Duration.ofSeconds(1)).asScala.map(_.value).toList
        if ids.nonEmpty then
          deadline = System.currentTimeMillis() + IdleMillis
          consumer.commitSync()   // ... and we commit BEFORE processing
          if crashOn.exists(ids.contains) then
            println(s"crash: ${ids.size} payments committed but never processed (${ids.head} .. ${ids.last})")
            crashed = true
          else ids.foreach(id => println(s"processed $id"))
    }

  def main(args: Array[String]): Unit =
    fillTopic()
    println("-- first instance starts")
    runConsumer(crashOn = Some(CrashOn))
    println("-- restarted instance resumes from the committed offset")
    runConsumer()

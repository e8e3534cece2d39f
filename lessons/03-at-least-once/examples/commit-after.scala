// At-least-once on the consumer side: process first, commit afterwards (the Scala twin of commit-after.py).
//
// Step 1 fills the topic with 200 shipments. Step 2 is a consumer that processes each message and
// commits after every 20. It crashes after processing shipment 110, before the commit that would
// have covered it. Step 3 restarts it in the same group. The crash is simulated: the first
// instance stops and closes its consumer; with enable.auto.commit=false, close() commits nothing.
import java.time.Duration
import java.util.Properties
import scala.jdk.CollectionConverters.*
import scala.util.Using
import org.apache.kafka.clients.consumer.{ConsumerConfig, KafkaConsumer, OffsetAndMetadata}
import org.apache.kafka.clients.producer.{KafkaProducer, ProducerConfig, ProducerRecord, RecordMetadata}
import org.apache.kafka.common.TopicPartition
import org.apache.kafka.common.serialization.{StringDeserializer, StringSerializer}

object CommitAfter:
  val Bootstrap = sys.env("BOOTSTRAP_SERVERS")
  val Topic = "shipments"
  val Count = 200
  val CommitEvery = 20
  val CrashAfter = "shipment-110"
  val IdleMillis = 3000L

  def fillTopic(): Unit =
    val config = Properties()
    config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Bootstrap)
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, classOf[StringSerializer].getName)
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, classOf[StringSerializer].getName)
    Using.resource(KafkaProducer[String, String](config)) { producer =>
      for i <- 1 to Count do
        val shipmentId = s"shipment-$i"
        println(s"sent $shipmentId")
        producer.send(ProducerRecord(Topic, shipmentId), (metadata: RecordMetadata, error: Exception) =>
          if error != null then println(s"failed $shipmentId ${error.getClass.getSimpleName}")
          else println(s"acked $shipmentId ${metadata.partition} ${metadata.offset}"))
      producer.flush()
    }

  def runConsumer(crashAfter: Option[String] = None): Unit =
    val config = Properties()
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, Bootstrap)
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "warehouse")
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false")
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, classOf[StringDeserializer].getName)
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, classOf[StringDeserializer].getName)
    Using.resource(KafkaConsumer[String, String](config)) { consumer =>
      // One partition, owned by this instance: assign() it directly instead of subscribe(), so the
      // example never waits for a group rebalance. Offsets are still committed to the group.
      val partition = TopicPartition(Topic, 0)
      consumer.assign(List(partition).asJava)
      var handled = 0
      var crashed = false
      var deadline = System.currentTimeMillis() + 10000   // the first fetch can take a moment
      while !crashed && System.currentTimeMillis() < deadline do
        val records = consumer.poll(Duration.ofSeconds(1)).asScala.iterator
        while !crashed && records.hasNext do
          val record = records.next()
          deadline = System.currentTimeMillis() + IdleMillis
          val shipmentId = record.value
          println(s"processed $shipmentId")                 // 1. do the work
          if crashAfter.contains(shipmentId) then
            println(s"crash: $shipmentId processed but not committed")
            crashed = true                                   // Using closes the consumer, committing nothing
          else
            handled += 1
            if handled % CommitEvery == 0 then
              // 2. then record progress: the committed offset is the NEXT one to read
              consumer.commitSync(Map(partition -> OffsetAndMetadata(record.offset + 1)).asJava)
    }

  def main(args: Array[String]): Unit =
    fillTopic()
    println("-- first instance starts")
    runConsumer(crashAfter = Some(CrashAfter))
    println("-- restarted instance resumes from the committed offset")
    runConsumer()
